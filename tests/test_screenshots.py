"bench/screenshots.py on tiny hand-written pages: a PNG 1280 px wide, and a failure when a page reaches for the network."
import importlib.util, struct, subprocess, sys
from pathlib import Path
import pytest

CHROMIUM = Path('/usr/bin/chromium')
pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium (/usr/bin/chromium) is not installed: apt-get install chromium"),
    pytest.mark.skipif(importlib.util.find_spec('playwright') is None, reason='playwright is not installed: pip install -e ".[screenshots]"'),
]
# a 2x2 red PNG, inline: an image that loads without a file or the network
PNG = ('data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEklEQVR4nGP4z8DAwMDAxAADABMEAf8xkpXDAAAAAElFTkSuQmCC')

def shoot(repo, tmp_path, body):
    page = tmp_path/'page.html'
    page.write_text(f'<!doctype html><html><head><title>tiny page</title></head><body><h1>Hello</h1>{body}</body></html>')
    r = subprocess.run([sys.executable, str(repo/'bench'/'screenshots.py'), '--html', str(page), '--out', str(tmp_path/'shots')],
                       capture_output=True, text=True, timeout=180)
    return r, tmp_path/'shots'/'page.png'

def test_png_of_a_page(repo, tmp_path):
    r, png = shoot(repo, tmp_path, f'<img src="{PNG}" width="40" height="40" alt="red">')
    assert r.returncode == 0, r.stdout + r.stderr
    head = png.read_bytes()[:24]
    assert head[:8] == b'\x89PNG\r\n\x1a\n' and struct.unpack('>I', head[16:20])[0] == 1280
    assert "'tiny page'" in r.stdout and 'images:         1, failed to load: 0' in r.stdout

def test_network_script_fails(repo, tmp_path):
    "A script from the network is blocked (`.invalid` never resolves anyway), reported, and fails the run."
    r, png = shoot(repo, tmp_path, '<script src="https://cdn.example.invalid/lib.js"></script>')
    assert r.returncode == 1, r.stdout + r.stderr
    assert 'https://cdn.example.invalid/lib.js' in r.stdout and 'network requests' in r.stdout
    assert png.exists()   # still screenshotted, for a look at what broke

def test_broken_image_fails(repo, tmp_path):
    r, _ = shoot(repo, tmp_path, '<img src="missing.png" alt="gone">')
    assert r.returncode == 1 and 'failed to load: 1' in r.stdout, r.stdout + r.stderr

def test_lesson_maths_become_mathml():
    "TeX outside code turns into MathML; dollars inside code spans stay as they are."
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]/'bench'))
    pytest.importorskip('latex2mathml')
    from screenshots import tex_to_mathml
    maths = []
    out = tex_to_mathml('With $r = \\hat y - y$ and `cost $5$`, $$r^2$$ costs \\$3', maths)
    assert out == 'With VISREGMATH0X and `cost $5$`, VISREGMATH1X costs \\$3'
    assert [tex for tex, _ in maths] == ['$r = \\hat y - y$', '$$r^2$$'] and all(m.startswith('<math') for _, m in maths)
    assert 'display="block"' in maths[1][1]
