"""Screenshots of the report and one lesson in headless Chromium, for a person to look at before a release.

    python bench/screenshots.py                      # build a smoke report on digits, export lesson 01, screenshot both
    python bench/screenshots.py --report reports/demo/report.html --out screenshots
    python bench/screenshots.py --html page.html     # any HTML file (and nothing else)

Each page gets a full-page PNG 1280 px wide, and for a page taller than one screen also its first screen (1280x900).
Every request to the network is blocked and recorded: the pages must work offline. Exit 1 when a page tried the
network, has an image that did not load or logs a console error; exit 2 on bad input or a missing browser.
Needs Debian's chromium (/usr/bin/chromium) and the `screenshots` extra (`pip install -e ".[screenshots]"`, or `make screenshots`);
Playwright drives the system Chromium, so `playwright install` (a browser download) is never needed.
"""
import argparse, os, re, shutil, struct, subprocess, sys, tempfile, time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = '/usr/bin/chromium'
LESSON = ROOT/'nbs'/'tutorials'/'01_regression_vs_classification.ipynb'
WIDTH, SCREEN_H = 1280, 900
LOCAL_HOSTS = {'localhost', '127.0.0.1', '::1', '[::1]'}
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync']

def _bin(name):
    "A console script of the environment running this file (the repo's .venv under `make screenshots`)."
    p = Path(sys.executable).parent/name
    return str(p) if p.exists() else (shutil.which(name) or name)

def png_size(path)->tuple:
    "(width, height) read from a PNG's header."
    head = Path(path).read_bytes()[:24]
    return struct.unpack('>II', head[16:24])

# ---------------------------------------------------------------- the pages
def build_report(out_dir)->Path:
    "A fast report on digits (`-p smoke true`) in `out_dir`, through the `visreg-report` CLI."
    out_dir = Path(out_dir)
    cmd = [_bin('visreg-report'), '--dataset', 'digits', '--out', str(out_dir), '-p', 'smoke', 'true']
    if out_dir.exists() and any(out_dir.iterdir()): cmd.append('--force')   # the CLI never replaces a folder it did not write
    print('$', ' '.join(cmd), flush=True)
    start = time.perf_counter()
    r = subprocess.run(cmd, env={**os.environ, 'OMP_NUM_THREADS': os.environ.get('OMP_NUM_THREADS', '1')}, stdout=subprocess.PIPE, text=True)
    print(r.stdout.strip().splitlines()[-1] if r.stdout.strip() else '', f'({time.perf_counter()-start:.0f} s)', flush=True)
    if r.returncode: sys.exit(f"visreg-report failed (exit {r.returncode})")
    return out_dir/'report.html'

_EXTERNAL = re.compile(r'''<script[^>]*\bsrc=["'](https?://[^"']+)|<link[^>]*\bhref=["'](https?://[^"']+)|\bimport\b[^;'"]*?["'](https?://[^"']+)''')

def external_refs(html:str)->list:
    "Scripts, stylesheets and modules that an HTML page would load from the network."
    return sorted({next(g for g in m.groups() if g) for m in _EXTERNAL.finditer(html)})

def check_plain_export(nb, tmp)->list:
    "Export `nb` with plain `jupyter nbconvert --to html` (stored outputs, not executed) and list what it loads from the network."
    cmd = [_bin('jupyter'), 'nbconvert', '--to', 'html', '--log-level=ERROR', '--output-dir', str(tmp), str(nb)]
    subprocess.run(cmd, check=True)
    return external_refs((Path(tmp)/(Path(nb).stem + '.html')).read_text())

_CODE = re.compile(r'(`+).*?\1', re.S)   # code spans and fenced blocks: their dollars are not maths
_MATH = re.compile(r'\$\$(.+?)\$\$|(?<![\\$])\$(?![\s$])([^$\n]+?)(?<![\s\\])\$(?!\d)', re.S)

def tex_to_mathml(md:str, maths:list)->str:
    """Markdown with each $..$ and $$..$$ outside code replaced by a placeholder; its MathML (which Chromium renders natively)
    is appended to `maths`, None where latex2mathml could not convert it. The placeholders go back in after the export:
    nbconvert's markdown renderer would split inline MathML into separate, emptied tags."""
    from latex2mathml.converter import convert
    def math(m):
        tex, display = (m.group(1), 'block') if m.group(1) is not None else (m.group(2), 'inline')
        try: mathml = convert(tex.strip(), display=display).replace('\n', ' ')
        except Exception: mathml = None
        maths.append((m.group(0), mathml))
        return f'VISREGMATH{len(maths)-1}X'
    out, pos = [], 0
    for c in _CODE.finditer(md):
        out += [_MATH.sub(math, md[pos:c.start()]), c.group(0)]; pos = c.end()
    out.append(_MATH.sub(math, md[pos:]))
    return ''.join(out)

def lesson_to_html(nb_path, html_path)->list:
    """A lesson as one self-contained HTML page: code and stored outputs shown (without the empty `In [ ]:` prompts of a
    cleaned notebook), images embedded, maths as MathML, no script from the network (the report's offline template,
    `visreg_nb.report.OFFLINE_HTML_TEMPLATE`). Returns the maths left as TeX because they did not convert.
    `visreg_nb.report.to_html` does not fit a lesson: it hides the code, and it leaves maths as raw TeX (the report has none)."""
    import html as html_lib, nbformat
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    from visreg_nb.report import OFFLINE_HTML_TEMPLATE
    nb = nbformat.read(str(nb_path), as_version=4)
    maths = []
    for cell in nb.cells:
        if cell.cell_type == 'markdown': cell.source = tex_to_mathml(cell.source, maths)
    title = next((l[2:].strip() for c in nb.cells if c.cell_type == 'markdown' for l in c.source.splitlines() if l.startswith('# ')), None)
    if title: nb.metadata['title'] = title
    exporter = HTMLExporter(extra_loaders=[DictLoader({'visreg_offline.html.j2': OFFLINE_HTML_TEMPLATE})], template_file='visreg_offline.html.j2',
                            embed_images=True, exclude_input_prompt=True, exclude_output_prompt=True)
    html, _ = exporter.from_notebook_node(nb, resources={'metadata': {'name': Path(nb_path).stem, 'path': str(Path(nb_path).parent)}})
    html = re.sub(r'="[^"]*"', lambda m: re.sub(r'VISREGMATH\d+X', '', m.group(0)), html)   # a heading's anchor id: no maths
    html = re.sub(r'VISREGMATH(\d+)X', lambda m: maths[int(m.group(1))][1] or html_lib.escape(maths[int(m.group(1))][0]), html)
    Path(html_path).write_text(html)
    return [tex for tex, mathml in maths if mathml is None]

# ---------------------------------------------------------------- the browser
def shoot(ctx, html_path, out_dir, name)->dict:
    "Load one HTML file in a new tab with the network blocked, print what a reviewer needs, save the PNGs; the dict has the problems found."
    network, console = [], []
    def route(r):
        u = urlsplit(r.request.url)
        if u.scheme in ('http', 'https', 'ws', 'wss') and u.hostname not in LOCAL_HOSTS:
            network.append(r.request.url); r.abort('blockedbyclient')
        else: r.continue_()
    def request(req):   # what `route` may not see (a websocket, a request the browser made before routing)
        u = urlsplit(req.url)
        if u.scheme in ('http', 'https', 'ws', 'wss') and u.hostname not in LOCAL_HOSTS: network.append(req.url)
    page = ctx.new_page()
    page.route('**/*', route)
    page.on('request', request)
    page.on('websocket', lambda ws: request(ws))
    page.on('console', lambda m: console.append(m.text) if m.type == 'error' else None)
    page.on('pageerror', lambda e: console.append(f'uncaught: {e}'))
    page.goto(Path(html_path).resolve().as_uri(), wait_until='load', timeout=60_000)
    try: page.wait_for_load_state('networkidle', timeout=10_000)
    except Exception: pass
    page.wait_for_timeout(300)   # layout of late images and fonts
    info = page.evaluate('''() => ({
        title: document.title, w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight,
        images: Array.from(document.images).map(i => ({src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0})),
        math: document.querySelectorAll('math').length})''')
    out_dir.mkdir(parents=True, exist_ok=True)
    shots = [out_dir/f'{name}.png']
    page.screenshot(path=str(shots[0]), full_page=True)
    if info['h'] > SCREEN_H:
        shots.append(out_dir/f'{name}-first-screen.png')
        page.screenshot(path=str(shots[1]), full_page=False)
    page.close()
    network = list(dict.fromkeys(network))
    bad_images = [i['src'] for i in info['images'] if not i['ok']]
    print(f"\n{name}: {html_path}")
    print(f"  title:          {info['title']!r}")
    print(f"  page size:      {info['w']} x {info['h']} px" + (f"  (wider than the {WIDTH} px window: horizontal scrolling)" if info['w'] > WIDTH else ''))
    print(f"  images:         {len(info['images'])}, failed to load: {len(bad_images)}" + (f", maths (MathML): {info['math']}" if info['math'] else ''))
    for s in bad_images: print(f"    not loaded: {s[:120]}")
    print(f"  console errors: {len(console)}")
    for c in console: print(f"    {c[:300]}")
    print(f"  network:        {len(network)} request(s) blocked")
    for u in network: print(f"    {u}")
    for s in shots: print(f"  png:            {s}  ({'x'.join(map(str, png_size(s)))})")
    return dict(name=name, network=network, console=console, bad_images=bad_images, pngs=shots)

def export_lessons(out:Path)->int:
    "Every lesson in nbs/tutorials as a self-contained HTML page in `out` (stored outputs, maths as MathML); 1 if any page would load from the network."
    out.mkdir(parents=True, exist_ok=True)
    bad = 0
    for nb in sorted((ROOT/'nbs'/'tutorials').glob('*.ipynb')):
        page = out/f'{nb.stem}.html'
        left, refs = lesson_to_html(nb, page), external_refs(page.read_text())
        bad += bool(refs)
        print(f"{page}: {page.stat().st_size//1024} KB" + (f", {len(left)} formula(s) left as TeX" if left else '')
              + (f", LOADS FROM THE NETWORK: {', '.join(refs)}" if refs else ''))
    return 1 if bad else 0

def main(argv=None)->int:
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--report', help='an existing report.html (default: build a smoke report on digits)')
    p.add_argument('--report-dir', help='folder to build the report in (default: a temporary folder)')
    p.add_argument('--lesson', default=str(LESSON), help='the lesson notebook to export with its stored outputs (not executed)')
    p.add_argument('--html', action='append', metavar='FILE', help='screenshot this HTML file instead of the report and lesson (repeatable)')
    p.add_argument('--out', default=str(ROOT/'screenshots'), help='folder for the PNGs (default: screenshots/)')
    p.add_argument('--export-lessons', metavar='DIR', help='export every lesson as a self-contained HTML page into DIR and stop (no browser needed)')
    a = p.parse_args(argv)
    if a.export_lessons: return export_lessons(Path(a.export_lessons))
    if not Path(CHROMIUM).exists(): print(f"{CHROMIUM} not found: apt-get install chromium", file=sys.stderr); return 2
    try: from playwright.sync_api import sync_playwright
    except ImportError: print('playwright is not installed: pip install -e ".[screenshots]" (or make screenshots)', file=sys.stderr); return 2
    for f in (a.html or []) + ([a.report] if a.report else []) + ([] if a.html else [a.lesson]):
        if not Path(f).is_file(): print(f"{f}: no such file", file=sys.stderr); return 2
    out = Path(a.out)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix='visreg-shots-') as tmp:
        tmp = Path(tmp)
        if a.html: pages = [(Path(f), Path(f).stem) for f in a.html]
        else:
            report = Path(a.report) if a.report else build_report(Path(a.report_dir) if a.report_dir else tmp/'report')
            if not (a.report or a.report_dir): print('  (a temporary report, removed at the end: --report-dir DIR keeps it)')
            lesson = Path(a.lesson)
            refs = check_plain_export(lesson, tmp/'plain')
            print(f"plain `jupyter nbconvert --to html` of {lesson.name} refers to {len(refs)} script(s) on the network"
                  + (':\n' + '\n'.join(f'    {u}' for u in refs) if refs else '')
                  + "\n  (screenshotted instead: the offline export, code shown, maths as MathML, no network)")
            out.mkdir(parents=True, exist_ok=True)
            lesson_html = out/f'{lesson.stem}.html'   # kept beside its PNGs, to open in a browser
            for m in lesson_to_html(lesson, lesson_html): print(f"  maths left as TeX (latex2mathml could not convert it): {m}")
            pages = [(report, 'report'), (lesson_html, lesson.stem)]
        with sync_playwright() as pw:
            ctx = pw.chromium.launch_persistent_context(str(tmp/'chromium-profile'), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                                                        viewport={'width': WIDTH, 'height': SCREEN_H}, device_scale_factor=1, service_workers='block')
            try: results = [shoot(ctx, f, out, name) for f, name in pages]
            finally: ctx.close()
    problems = [f"{r['name']}: {what}" for r in results for what, n in
                (('network requests', len(r['network'])), ('console errors', len(r['console'])), ('images not loaded', len(r['bad_images']))) if n]
    print(f"\n{len(results)} page(s), {sum(len(r['pngs']) for r in results)} PNG(s) in {out} ({time.perf_counter()-start:.0f} s)"
          + ('; FAILED: ' + '; '.join(problems) if problems else '; no network request, console error or broken image'))
    return 1 if problems else 0

if __name__ == '__main__': sys.exit(main())
