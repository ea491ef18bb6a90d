"""JupyterLab in headless Chromium, driven by Playwright's Python API: a server on a free local port, a notebook opened
and run in it, and the bqplot views of the explorer lassoed. Used by tests/test_explorer_browser.py and
bench/bench_explorer.py. Needs Debian's chromium (/usr/bin/chromium; Playwright's own browser download cannot work
offline) and the playwright package."""
import contextlib, importlib.util, os, secrets, socket, subprocess, sys, time, urllib.request
from pathlib import Path

CHROMIUM = Path('/usr/bin/chromium')
# as root in a sandbox, with no GPU and no network: no background requests that a closed network refuses
CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
                 '--disable-sync', '--no-first-run', '--disable-quic']

def missing()->str|None:
    "Why the browser cannot run here (a sentence naming the package to install), or None."
    if not CHROMIUM.exists(): return "Debian's chromium (/usr/bin/chromium) is not installed: apt-get install chromium"
    if importlib.util.find_spec('playwright') is None: return 'playwright is not installed: pip install -e ".[dev]"'
    return None

def _free_port()->int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]

@contextlib.contextmanager
def lab_server(root:Path, bin_dir:Path=Path(sys.executable).parent, timeout:float=120):
    "A JupyterLab server serving `root` on a free local port, its settings in `root/.lab` (no news, no update checks); yields (base URL, token)."
    token, cfg = secrets.token_hex(8), root/'.lab'
    notes = cfg/'settings'/'@jupyterlab'/'apputils-extension'/'notification.jupyterlab-settings'
    notes.parent.mkdir(parents=True, exist_ok=True)
    notes.write_text('{"fetchNews": "false", "checkForUpdates": false}')   # no news prompt over the page
    env = {**os.environ, 'JUPYTERLAB_SETTINGS_DIR': str(cfg/'settings'), 'JUPYTERLAB_WORKSPACES_DIR': str(cfg/'workspaces'),
           'OMP_NUM_THREADS': '1'}
    for attempt in range(3):   # a port taken between the check and the bind: try another
        port = _free_port()
        log = open(cfg.parent/f'.lab-{port}.log', 'w')
        proc = subprocess.Popen([str(bin_dir/'jupyter'), 'lab', '--no-browser', f'--port={port}', '--ip=127.0.0.1', f'--IdentityProvider.token={token}',
                                 '--expose-app-in-browser', f'--ServerApp.root_dir={root}', '--allow-root', '--LabApp.news_url=None',
                                 '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate'],
                                stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root)
        url, start = f'http://127.0.0.1:{port}', time.time()
        while proc.poll() is None and time.time() - start < timeout:
            try:
                urllib.request.urlopen(f'{url}/api/status?token={token}', timeout=2); break
            except Exception: time.sleep(0.5)
        if proc.poll() is None: break
        log.close()
    else: raise RuntimeError(f'JupyterLab did not start: see {log.name}')
    try: yield url, token
    finally:
        proc.terminate()
        try: proc.wait(20)
        except subprocess.TimeoutExpired: proc.kill()
        log.close()

@contextlib.contextmanager
def chromium_page(width:int=1400, height:int=1000):
    "A page of headless Debian Chromium; console errors are collected in `page.errors`."
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=dict(width=width, height=height))
            page.errors = []
            page.on('console', lambda m: page.errors.append(m.text) if m.type == 'error' else None)
            yield page
        finally: browser.close()

@contextlib.contextmanager
def screenshot_on_failure(page, path:Path):
    "Save a screenshot of `page` to `path` when the block fails, for a person to see what the browser showed."
    try: yield
    except BaseException:
        try: page.screenshot(path=str(path))
        except Exception: pass
        raise

KERNEL_IDLE = """() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle'; }"""

def run_notebook(page, url:str, token:str, name:str, timeout:float=120):
    "Open notebook `name` in JupyterLab and run all its cells (returns once they are queued)."
    page.goto(f'{url}/lab/tree/{name}?token={token}')
    page.wait_for_function(KERNEL_IDLE, timeout=timeout*1000)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")

def wait_for_output(page, selector:str, timeout:float=180):
    "Wait until `selector` shows in the notebook, or fail at once with the text of the first error output a cell shows."
    err = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]'
    page.wait_for_selector(f'{selector}, {err}', timeout=timeout*1000)
    if page.locator(err).count(): raise AssertionError('a cell failed in JupyterLab:\n' + page.locator(err).first.inner_text()[-2000:])

def view_box(page, view:int, x:tuple, xs:tuple, ys:tuple, explorer:str='.vr-explorer')->list:
    "Screen box (x0, x1, y0, y1) of data x in `x` over the whole height of bqplot view `view`, whose scales span `xs` and `ys`."
    return page.evaluate("""([i, x, xs, ys, sel]) => {
        const f = document.querySelectorAll(sel + ' .bqplot')[i]; f.scrollIntoView({block: 'center'});
        const r = f.querySelector('.plotarea_events').getBoundingClientRect(), pad = 0.01*(ys[1] - ys[0]);
        const X = v => r.left + (v - xs[0])/(xs[1] - xs[0])*r.width, Y = v => r.bottom - (v - ys[0])/(ys[1] - ys[0])*r.height;
        return [X(x[0]), X(x[1]), Y(ys[1] - pad), Y(ys[0] + pad)]; }""", [view, list(x), list(xs), list(ys), explorer])

def lasso(page, box:list, steps:int=8):
    "Drag the lasso around a rectangle (x0, x1, y0, y1, in screen pixels) as a person would."
    x0, x1, y0, y1 = box
    page.mouse.move(x0, y0); page.mouse.down()
    for x, y in ((x1, y0), (x1, y1), (x0, y1), (x0, y0 + 1)): page.mouse.move(x, y, steps=steps)
    page.mouse.up()

def gallery(page, explorer:str='.vr-explorer', timeout:float=90)->list:
    """The cards the gallery shows, as dicts of their data attributes (row, pos, y, pred) and whether their image is drawn,
    read at an instant when the visible cards are the page the status line names (`data-cards`): the frontend applies each
    widget's updates on its own, and replaces a card's HTML when its attribution map arrives."""
    return page.wait_for_function("""sel => { const s = document.querySelector(sel + ' .vr-count'); if (!s) return false;
        const cards = [...document.querySelectorAll(sel + ' .vr-card')].filter(e => e.offsetParent !== null);
        if (cards.map(e => e.dataset.pos).join(' ') != s.dataset.cards) return false;
        return cards.map(e => ({row: +e.dataset.row, pos: +e.dataset.pos, y: +e.dataset.y, pred: +e.dataset.pred, image: !!e.querySelector('svg image')})); }""",
        arg=explorer, timeout=timeout*1000).json_value()
