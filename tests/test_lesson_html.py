"Lessons exported as self-contained HTML (bench/screenshots.py --export-lessons): no script from the network, maths as MathML."
import re, subprocess, sys
from pathlib import Path
from conftest import REPO, START_DIR, START_ENV, background

@background   # a subprocess for all of its time: runs while the in-process tests do (tests/conftest.py)
def test_every_lesson_exports_offline(tmp_path):
    repo = REPO
    r = subprocess.run([sys.executable, str(repo/'bench'/'screenshots.py'), '--export-lessons', str(tmp_path)], capture_output=True, text=True, timeout=300,
                       cwd=START_DIR, env=START_ENV)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    pages = sorted(tmp_path.glob('*.html'))
    assert [p.stem for p in pages] == sorted(p.stem for p in (repo/'nbs'/'tutorials').glob('*.ipynb'))
    for p in pages:
        html = p.read_text()
        assert not re.search(r'<(script|link)[^>]+(src|href)=["\']?(https?:)?//', html), p.name
        assert '<img' in html or 'image/png' in html, f'{p.name}: the stored figures are embedded'
    lesson1 = (tmp_path/'01_regression_vs_classification.html').read_text()
    assert lesson1.count('<math') >= 1 and '$' not in re.sub(r'<(pre|code)[\s\S]*?</\1>', '', lesson1.split('<body')[1]).replace('\\$', '')
