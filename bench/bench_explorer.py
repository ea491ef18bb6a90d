"""The explorer's speed in JupyterLab, in headless Chromium, against the goals of issue 18 (2,000 items: first render
< 2 s, each selection update < 300 ms), and the widget libraries it could be built on, measured on one minimal task.

1. The kit's explorer (`RegressionInterpretation.explore`, whose three views are bqplot Figures: a Scatter of the shown items,
   one of flagged items and a LassoSelector each) over --n items: a tiny_cnn trained for 2 epochs on 400 synthetic 'count'
   images, run on --n fresh ones through `learn.dls.test_dl`. (a) First render: from running the cell `ex` (a fresh
   `Explorer`, built before; its widgets are made when it is shown) until all three views have drawn --n dots
   (`.bqplot path.dot`) and the gallery shows its first image; cold (the kernel's first explorer and bqplot Figure, and
   the page's first bqplot: its JavaScript fetched and compiled), --colds times, each in a page of its own (the first in
   the browser's first page, the others each in a new browser context, nothing cached) with a kernel of its own, and warm
   (a new Explorer in the first kernel). One cold sample ranged from 1.3 to 2.1 s on the same code within an hour on this
   machine: the row is judged on their median, as every other row. (b) Selection: from the mouseup of a lasso in 'predicted vs true' (its screen box from
   the view's scales, which `_domain` sets from the data) to the change of `.vr-count`'s data-n (set last by every update),
   over lassos of three sizes, attribution maps off and on, first time (the caches of thumbnails and maps emptied before each
   lasso) and cached (the same lassos again). bqplot's lassos add up: each timed lasso starts after `ex._ui.on_clear()` (the
   'clear selection' button), out of the timing.
2. Measure and choose: --n points in one scatter, a lasso whose selected count the kernel writes into an ipywidgets HTML;
   first render (the cell `make()` builds and shows the widgets, as `ex` does) and mouseup-to-HTML time, for plotly
   FigureWidget with go.Scatter (SVG), with go.Scattergl (WebGL) and bqplot (Scatter + LassoSelector), each in a kernel of
   its own, so that each library's first render is cold.

Times are taken in the page with performance.now(): a MutationObserver sees the change (WebGL: the draw call that drew the
points), then one frame passes so that it is painted. Every row is the median (and maximum)
of several samples; a cold sample has a page and a kernel of its own. The kernel's share is timed in the kernel (IPython's cell events, and wrappers around the explorer's
methods set up by the benchmark's notebook; visreg_nb is not changed). Timed lassos let go out of the plot area, and start
from no selection (cleared out of the timing); --person more lassos end on the points, as a person draws them, and count
the selections that never reach the kernel (plotly's FigureWidget, in the library rows, sends hovers through the same trait
as selections, and ipywidgets merges queued updates of one trait: the hover sent just before the selection can make it lose
the selection). After each clearing the benchmark also checks that the explorer is left with no selection (bqplot's lasso
reset reports an empty selection back from the page), and counts the times it is not.
Results go to bench/results.json under 'explorer'. Needs Debian's chromium and playwright (the dev extra), and bqplot (the
bench extra) for its row; without the browser it prints one line and exits 0. About 5 minutes on 2 cores.

    .venv/bin/python bench/bench_explorer.py [--n 2000] [--renders 2] [--colds 3] [--passes 1] [--person 4]
                                             [--only explorer plotly_svg plotly_gl bqplot]
"""
import argparse, ast, contextlib, importlib.util, json, statistics, sys, tempfile, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lab_browser as lb

RENDER_GOAL, SELECT_GOAL = 2.0, 0.300   # seconds
LIBS = ('plotly_svg', 'plotly_gl', 'bqplot')

# In the page before JupyterLab loads: WebGL draw calls recorded, mouseup times, and the timers the benchmark awaits.
PAGE_JS = r"""
(() => {
  const bm = window.__bm = {gl: {t: 0, n: 0, canvas: null}, up: null};
  for (const C of [window.WebGLRenderingContext, window.WebGL2RenderingContext]) if (C)
    for (const [name, arg] of [['drawArrays', 2], ['drawElements', 1], ['drawArraysInstanced', 2], ['drawElementsInstanced', 1]]) {
      const f = C.prototype[name]; if (!f) continue;
      C.prototype[name] = function() { const n = arguments[arg]; if (n >= bm.minDraw) bm.gl = {t: performance.now(), n, canvas: this.canvas}; return f.apply(this, arguments); };
    }
  bm.minDraw = 1e9;
  window.addEventListener('mouseup', () => { bm.up = performance.now(); }, true);
  const nb = () => window.jupyterapp.shell.currentWidget;
  bm.exec = async (code, expr) => {   // run code in the notebook's kernel (no cell): the value of `expr` as JSON
    const k = nb().sessionContext.session.kernel;
    const r = await k.requestExecute({code, store_history: false, user_expressions: expr ? {out: expr} : {}}).done;
    if (r.content.status !== 'ok') return {error: r.content.ename + ': ' + r.content.evalue};
    return expr ? {out: r.content.user_expressions.out.data ? r.content.user_expressions.out.data['text/plain'] : null,
                   error: r.content.user_expressions.out.evalue || null} : {};
  };
  bm.runCell = async i => { const w = nb(); w.content.activeCellIndex = i; w.content.deselectAll();
                            return await window.jupyterapp.commands.execute('notebook:run-cell'); };
  const painted = (resolve, out, t0) => requestAnimationFrame(() => setTimeout(() => resolve({...out, painted: performance.now() - t0}), 0));
  const conds = {
    points: (root, n) => { const p = root.querySelectorAll('.js-plotly-plot'); return p.length === 1 && p[0].querySelectorAll('.scatterlayer .point').length === n; },
    gl: (root, n, t0) => bm.gl.t > t0 && bm.gl.n >= n && root.contains(bm.gl.canvas),
    dots: (root, n) => root.querySelectorAll('.bqplot path.dot').length === n,
    explorer: (root, n) => { const f = root.querySelectorAll('.bqplot');   // 3 views, each with n dots (+ flagged crosses)
      if (f.length !== 3 || ![...f].every(g => g.querySelectorAll('path.dot').length >= n)) return false;
      return [...root.querySelectorAll('.vr-card svg image')].some(e => e.closest('.vr-card').offsetParent !== null); },
  };
  // run cell i; resolve with the ms until a new element `rootSel` meets `kind` for n points (null after `timeout` ms)
  bm.render = (i, rootSel, kind, n, timeout) => new Promise(resolve => {
    document.querySelectorAll(rootSel).forEach(e => e.dataset.bmOld = '1');
    bm.minDraw = n;
    let done = false, mo, iv;
    const t0 = performance.now();
    const stop = () => { done = true; mo.disconnect(); clearInterval(iv); };
    const check = () => {
      if (done) return;
      const root = [...document.querySelectorAll(rootSel)].find(e => !e.dataset.bmOld);
      if (!root || !conds[kind](root, n, t0)) return;
      stop();
      painted(resolve, {dom: (kind === 'gl' ? bm.gl.t : performance.now()) - t0}, t0);
    };
    mo = new MutationObserver(check); mo.observe(document.body, {childList: true, subtree: true, attributes: true});
    iv = setInterval(check, 20);
    setTimeout(() => { if (!done) { stop(); resolve(null); } }, timeout);
    bm.runCell(i);
  });
  // before a lasso: a promise of the first change of `sel`'s data-n away from `prev`, timed from the last mouseup
  bm.arm = (sel, prev, timeout) => { bm.up = null; bm.count = new Promise(resolve => {
    let done = false;
    const check = () => {
      if (done) return;
      const e = document.querySelector(sel);
      if (!e || e.dataset.n === prev) return;
      done = true; mo.disconnect();
      const up = bm.up;
      if (up === null) { resolve({n: e.dataset.n, before_mouseup: true}); return; }
      painted(resolve, {n: e.dataset.n, dom: performance.now() - up}, up);
    };
    const mo = new MutationObserver(check); mo.observe(document.body, {childList: true, subtree: true, attributes: true, characterData: true});
    setTimeout(() => { if (!done) { done = true; mo.disconnect(); resolve(null); } }, timeout);
  }); };
})();
"""

# appended to each setup cell: the kernel's seconds for the display cell (widgets built, their state sent, the static view drawn)
KERNEL_CLOCK = """
import time as _time
_KC = []
def _pre(info):
    if info.raw_cell.strip() in ('ex', 'make()'): _KC.append(-_time.perf_counter())
def _post(result):
    if result.info.raw_cell.strip() in ('ex', 'make()') and _KC: _KC.append(_KC.pop() + _time.perf_counter())
get_ipython().events.register('pre_run_cell', _pre); get_ipython().events.register('post_run_cell', _post)
def kc(): out = list(_KC); _KC.clear(); return json.dumps(out)"""

def ipynb(path:Path, sources:list):
    cells = [dict(cell_type='code', execution_count=None, id=f'c{i}', metadata={}, outputs=[], source=s) for i, s in enumerate(sources)]
    path.write_text(json.dumps(dict(cells=cells, metadata=dict(kernelspec=dict(name='python3', display_name='Python 3', language='python')),
                                    nbformat=4, nbformat_minor=5)))

ERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]'

def open_notebook(page, url, token, name, timeout=120):
    "Open notebook `name` alone in a workspace of its own (no tab of an earlier notebook restored), its kernel started, nothing run."
    page.goto(f'{url}/lab/workspaces/{Path(name).stem}/tree/{name}?reset&token={token}')
    page.wait_for_function(lb.KERNEL_IDLE, timeout=timeout*1000)

def run_setup(page, timeout=240):
    "Run the notebook's first cell to the end; fail with its error text if it fails."
    page.evaluate(f"Promise.race([window.__bm.runCell(0), new Promise(r => setTimeout(r, {timeout*1000}))])")
    page.wait_for_function(lb.KERNEL_IDLE, timeout=timeout*1000)
    if page.locator(ERR).count(): raise RuntimeError('the setup cell failed:\n' + page.locator(ERR).first.inner_text()[-2000:])

def kexec(page, code, expr=None):
    "Run `code` in the kernel; the value of `expr` (a JSON string in Python) decoded."
    r = page.evaluate("([c, e]) => window.__bm.exec(c, e)", [code, expr])
    if r.get('error'): raise RuntimeError(f'kernel: {r["error"]}')
    return json.loads(ast.literal_eval(r['out'])) if expr else None

def shutdown(page):
    with contextlib.suppress(Exception): page.evaluate("window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")

def first_render(page, root, kind, n, timeout)->tuple:
    "(seconds, painted, until the display cell's output shows its n points, or None on timeout; the kernel's seconds for that cell)."
    r = page.evaluate("([r, k, n, t]) => window.__bm.render(1, r, k, n, t)", [root, kind, n, timeout*1000])
    page.wait_for_function(lb.KERNEL_IDLE, timeout=timeout*1000)
    if page.locator(ERR).count(): raise RuntimeError('the display cell failed:\n' + page.locator(ERR).first.inner_text()[-2000:])
    k = kexec(page, '', 'kc()')
    return (None if r is None else r['painted']/1000), (k[0] if k else None)

def lasso_out(page, box, steps=4):
    """A lasso around `box` (x0, x1, y0 top, y1 bottom, in screen pixels), as `lb.lasso`, whose mouseup is then out of the plot
    area, straight up from where it started (no area is added), where no point is under the mouse. `lb.lasso` lets go on the points, as a person does; then plotly
    reports a hover just before the selection, and FigureWidget may lose the selection: `person_lassos` counts how often."""
    x0, x1, y0, y1 = box
    page.mouse.move(x0, y0); page.mouse.down()
    for x, y in ((x1, y0), (x1, y1), (x0, y1), (x0, y0 + 1), (x0, y0 - 40)): page.mouse.move(x, y, steps=steps)
    page.mouse.up()

def timed_lasso(page, sel, box, timeout, person=False):
    "Lasso `box`; (seconds from mouseup to the change of `sel`'s data-n, painted; the new n) or (None, why)."
    prev = page.eval_on_selector(sel, 'e => e.dataset.n')
    page.evaluate("([s, p, t]) => window.__bm.arm(s, p, t)", [sel, prev, timeout*1000])
    (lb.lasso if person else lasso_out)(page, box)
    r = page.evaluate("window.__bm.count")
    if r is None: return None, f'no change of {sel} within {timeout} s'
    if r.get('before_mouseup'): return None, 'the count changed before the mouseup (live selection while dragging)'
    return r['painted']/1000, int(r['n'])

def current_n(page, sel): return page.eval_on_selector(sel, 'e => e.dataset.n')

def wait_n(page, sel, n, timeout):
    page.wait_for_function(f"document.querySelector('{sel}') && document.querySelector('{sel}').dataset.n == '{n}'", timeout=timeout*1000)

SIZES = {'small': (3.5, 4.5), 'medium': (1.5, 4.5), 'large': (0.5, 6.5)}   # lassos over x (whole numbers): 1, 3 and 6 columns
ROOT = {'explorer': '.vr-explorer', 'plotly_svg': '.bm-root', 'plotly_gl': '.bm-root', 'bqplot': '.bm-root'}
COUNT = {k: f'{r} .vr-count' if k == 'explorer' else f'{r} .bm-n' for k, r in ROOT.items()}
MARK = {'explorer': 'ex._ui.status.value = \'<span class="vr-count" data-n="-1"></span>\'', 'plotly_svg': 'out.value = count(-1)',
        'plotly_gl': 'out.value = count(-1)'}   # a value no selection gives, so that the clearing below shows in the page
SPANS = {'bqplot': ((-1., 10.), (-0.1, 1.1))}   # bqplot: the spans of the lassoed view's x and y scales (the explorer's: from its kernel)
CLEAR_LEFT = {}   # explorer: clearings after which the kernel still held a selection (an empty one from the lasso reset)

def clear(page, lib, timeout):
    """Start the next lasso from no selection, out of any timing. plotly: the previous selection outline would catch the next
    press inside it (it moves the outline, nothing is selected), so it is removed in the page (plotly then reports an empty
    selection to the kernel: waited for). bqplot: its lassos add up; `lasso.reset()` from the kernel. The explorer (bqplot):
    `ex._ui.on_clear()` (the 'clear selection' button); the page answers each view's lasso reset with selections of its own
    (None, then an empty one), so the benchmark waits a second, then checks that the kernel holds no selection (else it counts
    it in CLEAR_LEFT and clears it without the page), then sets `.vr-count` to -1 so that the next update shows."""
    sel = COUNT[lib]
    if lib == 'explorer':
        kexec(page, 'ex._ui.on_clear()'); page.wait_for_timeout(1000)
        left = kexec(page, '', 'json.dumps(None if ex.selected is None else len(ex.selected))')
        if left is not None:
            CLEAR_LEFT[left] = CLEAR_LEFT.get(left, 0) + 1
            kexec(page, 'ui = ex._ui; ui.busy = True; ex.select(None)\nfor v in ui.views: v.dots.selected = None\nui.busy = False; ui.render()')
        kexec(page, MARK[lib]); wait_n(page, sel, -1, timeout)
        return
    if lib == 'bqplot':
        if current_n(page, sel) not in ('-1', '0'): kexec(page, 'lasso.reset()'); wait_n(page, sel, 0, timeout)
        return
    kexec(page, MARK[lib]); wait_n(page, sel, -1, timeout)
    page.evaluate("r => window.Plotly.relayout(document.querySelector(r + ' .js-plotly-plot'), {selections: []})", ROOT[lib])
    wait_n(page, sel, 0, timeout)

def lasso_box(page, lib, x):
    "Screen box around data x in (x0, x1) over the whole height of the (first) view: bqplot from its scales' spans, plotly from its axes."
    if lib in SPANS: return lb.view_box(page, 0, x, *SPANS[lib], explorer=ROOT[lib])
    page.eval_on_selector(f'{ROOT[lib]} .js-plotly-plot', 'e => e.scrollIntoView({block: "center"})')
    return page.evaluate("""r => { const p = document.querySelector(r + ' .js-plotly-plot'), xa = p._fullLayout.xaxis;
        const b = p.querySelector('.nsewdrag').getBoundingClientRect();
        return [b.left + xa.d2p(X0), b.left + xa.d2p(X1), b.top + 1, b.bottom - 1]; }""".replace('X0', repr(x[0])).replace('X1', repr(x[1])), ROOT[lib])

def one_lasso(page, lib, size, timeout, person=False):
    clear(page, lib, timeout)
    return timed_lasso(page, COUNT[lib], lasso_box(page, lib, SIZES[size]), timeout, person)

def person_lassos(page, lib, want, k, timeout=3.)->dict:
    "k lassos let go on the points (`lb.lasso`, as a person draws them): how many never reached the kernel within `timeout` s."
    lost, wrong = 0, 0
    for i in range(k):
        size = list(SIZES)[i % len(SIZES)]
        s, n = one_lasso(page, lib, size, timeout, person=True)
        if s is None: lost += 1
        elif n != want[size]: wrong += 1
    return dict(lassos=k, lost=lost, wrong_count=wrong)

def stats(xs):
    xs = [x for x in xs if x is not None]
    return dict(median=round(statistics.median(xs), 4), max=round(max(xs), 4), samples=[round(x, 4) for x in xs]) if xs else None

# ---------------------------------------------------------------------------------------------------------------- explorer
EXPLORER_SETUP = """import json, time, torch; torch.set_num_threads(1)
from visreg_nb.all import *
from visreg_nb.test_utils import trained_learner
from visreg_nb.data.synth import make_synthetic
import visreg_nb.interpret.explore as E
learn = trained_learner('count', n=500, size=32, epochs=2)          # 400 training images, 2 epochs
items = make_synthetic('count', n={n}, size=32, seed=1).df           # {n} fresh images for the explorer
interp = RegressionInterpretation.from_learner(learn, dl=learn.dls.test_dl(items, with_labels=True))
base = interp.explore(corrections='corrections.csv')                 # features, embedding map, label quality: once
def fresh(): return Explorer(base.t, base.spec, base.images, base.maps, base.corr, base.key, base.page_size)   # no widgets, empty caches
KT = []   # kernel-side seconds of the explorer's methods, as (name, seconds)
def _timed(f, name):
    def g(*a, **k):
        t = time.perf_counter()
        try: return f(*a, **k)
        finally: KT.append((name, time.perf_counter() - t))
    return g
for cls, name in ((E._ExplorerUI, '__init__'), (E._ExplorerUI, 'redraw_points'), (E._ExplorerUI, 'on_select'), (E._ExplorerUI, 'render'),
                  (E.Explorer, '_static_html'), (E.Explorer, '_fill_maps')):
    setattr(cls, name, _timed(getattr(cls, name), name))
E._view = _timed(E._view, 'figure')   # one bqplot view (Figure, scales, Scatters, LassoSelector)
def kt(): out = {{}}; [out.setdefault(k, []).append(v) for k, v in KT]; KT.clear(); return json.dumps(out)
def expected(lo, hi): c = ex.t['count'].to_numpy(); return int(((c > lo) & (c < hi)).sum())
def spans():   # 'predicted vs true': the scales' spans as `_domain` makes them from the shown items, and as the view holds them
    y, p, _ = ex.values(); v = ex._ui.views[0]
    return json.dumps(dict(domain=[E._domain(y[ex.shown]), E._domain(p[ex.shown])], scales=[[v.sx.min, v.sx.max], [v.sy.min, v.sy.max]]))
ex = fresh()"""

def run_explorer(page, url, token, root:Path, a, res):
    ipynb(root/'explorer.ipynb', [EXPLORER_SETUP.format(n=a.n) + KERNEL_CLOCK, 'ex'])
    open_notebook(page, url, token, 'explorer.ipynb')
    t = time.perf_counter(); run_setup(page)
    print(f"  explorer: model trained and {a.n} items predicted, featured and scored in {time.perf_counter() - t:.0f} s (setup cell, not timed)", flush=True)
    kexec(page, 'KT.clear()')
    out, kernel = dict(render_cold=[], render_warm=[], kernel_cold=[], kernel_warm=[]), dict(cold={}, warm={})
    for i in range(1 + a.renders):
        if i: kexec(page, 'ex = fresh()')
        s, kcell = first_render(page, '.vr-explorer', 'explorer', a.n, a.timeout)
        k = kexec(page, '', 'kt()')
        w = 'cold' if i == 0 else 'warm'
        out[f'render_{w}'].append(s); out[f'kernel_{w}'].append(kcell)
        for name, v in k.items(): kernel[w].setdefault(name, []).append(sum(v))
        print(f"  explorer first render ({w}): {'timed out' if s is None else f'{s:.2f} s'}; the cell in the kernel {kcell:.2f} s, of which "
              + ', '.join(f'{n} {sum(v):.2f} s' for n, v in k.items()), flush=True)
    res['explorer_kernel_render_s'] = {w: {n: round(statistics.median(v), 3) for n, v in d.items()} for w, d in kernel.items()}

    # lassos in 'predicted vs true' (x: the true count, a whole number), of three sizes
    sp = kexec(page, '', 'spans()')
    SPANS['explorer'] = tuple(tuple(d) for d in sp['domain'])
    if any(abs(a - b) > 1e-6 for d, sc in zip(sp['domain'], sp['scales']) for a, b in zip(d, sc)):
        print(f"  explorer: the view's scales {sp['scales']} are not `_domain` of its data {sp['domain']}", flush=True)
    res['explorer_view0_spans'] = sp['domain']
    want = {k: kexec(page, '', f'json.dumps(expected{v})') for k, v in SIZES.items()}
    res['explorer_lasso_items'] = want
    wrong = []
    for maps in (False, True):
        kexec(page, f'ex._ui.maps.value = {maps}')
        page.wait_for_function(f"document.querySelectorAll('.vr-explorer .vr-card .vr-map').length {'>' if maps else '=='} 0", timeout=a.timeout*1000)
        keys = [f"select_maps_{'on' if maps else 'off'}_{w}" for w in ('first', 'cached')]
        for size in SIZES:   # each lasso first with empty caches, then again --passes times (its page's thumbnails and maps kept)
            for p in range(1 + a.passes):
                key = keys[p > 0]
                if p == 0: kexec(page, 'ex._thumbs.clear(); ex._maps.clear()')
                clear(page, 'explorer', a.timeout); kexec(page, 'KT.clear()')
                s, n = timed_lasso(page, COUNT['explorer'], lasso_box(page, 'explorer', SIZES[size]), a.timeout)
                k = kexec(page, '', 'kt()')
                if s is None: print(f'  explorer {key} {size}: {n}'); continue
                if n != want[size]: wrong.append(f'{size}: {n} listed, {want[size]} inside')
                out.setdefault(key, []).append(s)
                for name, v in k.items(): kernel.setdefault(key, {}).setdefault(name, []).append(sum(v))
        for key in keys:
            print(f"  explorer {key}: " + ', '.join(f'{v:.3f}' for v in out.get(key, [])) + ' s; in the kernel (median): '
                  + ', '.join(f'{n} {statistics.median(v):.3f} s' for n, v in kernel.get(key, {}).items()), flush=True)
        res['explorer_kernel_select_s'] = {k: {n: round(statistics.median(v), 4) for n, v in d.items()} for k, d in kernel.items() if k.startswith('select')}
    if wrong: print(f"  explorer: the gallery's count differs from the items inside the lasso ({'; '.join(wrong)})")
    if CLEAR_LEFT: print(f"  explorer: after on_clear() the kernel still held a selection (its size: times) {CLEAR_LEFT}")
    res['explorer_clear_left_selection'] = {str(k): v for k, v in CLEAR_LEFT.items()}
    res['explorer_lasso_count_mismatches'] = wrong
    if a.person:
        kexec(page, 'ex._ui.maps.value = False')
        out['person'] = person_lassos(page, 'explorer', want, a.person)
        print(f"  explorer: {out['person']['lost']} of {a.person} lassos let go on the points never reached the kernel", flush=True)
    shutdown(page)
    for i in range(1, a.colds):   # more cold first renders, each in a new browser context (no cache) and a new kernel
        cold = page.context.browser.new_page(viewport=page.viewport_size)
        cold.add_init_script(PAGE_JS)
        cold.on('console', lambda m: page.errors.append(m.text) if m.type == 'error' else None)
        cold.on('pageerror', lambda e: page.errors.append(f'page error: {e}'))
        name = f'explorer_cold{i}.ipynb'
        ipynb(root/name, [EXPLORER_SETUP.format(n=a.n) + KERNEL_CLOCK, 'ex'])
        try:
            open_notebook(cold, url, token, name); run_setup(cold)
            s, kcell = first_render(cold, '.vr-explorer', 'explorer', a.n, a.timeout)
            out['render_cold'].append(s); out['kernel_cold'].append(kcell)
            print(f"  explorer first render (cold, page {i + 1} of {a.colds}): {'timed out' if s is None else f'{s:.2f} s'}; the cell in the kernel {kcell:.2f} s", flush=True)
        except Exception as e:   # one failed sample is reported and left out; the rows measured so far are kept
            print(f"  explorer first render (cold, page {i + 1} of {a.colds}): failed, left out: {str(e).splitlines()[0][:200]}", flush=True)
        finally: shutdown(cold); cold.close()
    return out

# ----------------------------------------------------------------------------------------------- the minimal task, 3 ways
MINIMAL_SETUP = """import json, numpy as np, ipywidgets as W
{imports}
rng = np.random.default_rng(0)
x = rng.integers(0, 10, {n}) + rng.uniform(-0.3, 0.3, {n})   # whole numbers, jittered: a lasso edge at k + 0.5 touches no point
y = rng.uniform(0, 1, {n})
def expected(lo, hi): return int(((x > lo) & (x < hi)).sum())
def count(k): return f'<span class="bm-n" data-n="{{k}}">{{k}} selected</span>'
{make}"""
MAKE = {
    'plotly_svg': ("import plotly.graph_objects as go", """def make():
    global out, fig
    out = W.HTML(count(-1))
    fig = go.FigureWidget(go.{trace}(x=x, y=y, mode='markers', marker=dict(size=5)),
                          layout=dict(width=320, height=300, margin=dict(l=50, r=10, t=35, b=45), dragmode='lasso', template='plotly_white'))
    fig.data[0].on_selection(lambda tr, pts, st: setattr(out, 'value', count(len(pts.point_inds))))
    box = W.VBox([fig, out]); box.add_class('bm-root'); return box"""),
    'bqplot': ("import bqplot as bq", """XS, YS = (-1., 10.), (-0.1, 1.1)
def make():
    global out, lasso
    out = W.HTML(count(-1))
    sx, sy = bq.LinearScale(min=XS[0], max=XS[1]), bq.LinearScale(min=YS[0], max=YS[1])
    sc = bq.Scatter(x=x, y=y, scales=dict(x=sx, y=sy), default_size=20)
    lasso = bq.interacts.LassoSelector(marks=[sc])
    sc.observe(lambda ch: setattr(out, 'value', count(0 if ch['new'] is None else len(ch['new']))), 'selected')
    fig = bq.Figure(marks=[sc], axes=[bq.Axis(scale=sx), bq.Axis(scale=sy, orientation='vertical')], interaction=lasso,
                    fig_margin=dict(top=35, bottom=45, left=50, right=10), layout=dict(width='320px', height='300px'))
    box = W.VBox([fig, out]); box.add_class('bm-root'); return box"""),
}
MAKE['plotly_gl'] = MAKE['plotly_svg']

def webgl_info(page)->str:
    return page.evaluate("""() => { const c = document.createElement('canvas'), g = c.getContext('webgl');
        if (!g) return 'no WebGL context';
        const d = g.getExtension('WEBGL_debug_renderer_info');
        return d ? g.getParameter(d.UNMASKED_RENDERER_WEBGL) : g.getParameter(g.RENDERER); }""")

def run_minimal(page, url, token, root:Path, lib, a):
    imports, make = MAKE[lib]
    make = make.replace('{trace}', 'Scattergl' if lib == 'plotly_gl' else 'Scatter')
    ipynb(root/f'{lib}.ipynb', [MINIMAL_SETUP.format(n=a.n, imports=imports, make=make) + KERNEL_CLOCK, 'make()'])   # widgets made in the timed cell, as the explorer's
    open_notebook(page, url, token, f'{lib}.ipynb')
    run_setup(page)
    kind = {'plotly_svg': 'points', 'plotly_gl': 'gl', 'bqplot': 'dots'}[lib]
    out = dict(render_cold=[], render_warm=[], kernel_cold=[], kernel_warm=[])
    for i in range(1 + a.renders):
        s, kcell = first_render(page, '.bm-root', kind, a.n, a.timeout)
        w = 'cold' if i == 0 else 'warm'
        out[f'render_{w}'].append(s); out[f'kernel_{w}'].append(kcell)
        if s is None:
            out['note'] = 'the points never showed' + (f' (WebGL: {webgl_info(page)})' if lib == 'plotly_gl' else '')
            print(f"  {lib}: {out['note']}"); shutdown(page); return out
    want = {k: kexec(page, '', f'json.dumps(expected{v})') for k, v in SIZES.items()}
    wrong, out['select'] = [], []
    for p in range(1 + a.passes):
        for size in SIZES:
            s, n = one_lasso(page, lib, size, a.timeout)
            if s is None: out['note'] = n; print(f'  {lib}: {n}'); shutdown(page); return out
            if n != want[size]: wrong.append(f'{size}: {n} counted, {want[size]} inside')
            out['select'].append(s)
    if wrong: out['count_mismatches'] = wrong; print(f"  {lib}: the kernel's count differs from the points inside the lasso ({'; '.join(wrong)})")
    if a.person: out['person'] = person_lassos(page, lib, want, a.person)
    print(f"  {lib}: first render {', '.join(f'{v:.2f}' for v in out['render_cold'] + out['render_warm'])} s (the first cold; "
          f"in the kernel {', '.join(f'{v:.2f}' for v in out['kernel_cold'] + out['kernel_warm'])} s); "
          f"selection {', '.join(f'{v:.3f}' for v in out['select'])} s"
          + (f"; {out['person']['lost']} of {a.person} lassos let go on the points never reached the kernel" if a.person else ''), flush=True)
    shutdown(page)
    return out

# ------------------------------------------------------------------------------------------------------------------ main
def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--n', type=int, default=2000, help='items (points)')
    ap.add_argument('--renders', type=int, default=2, help='warm first renders after the cold one')
    ap.add_argument('--colds', type=int, default=3, help='cold first renders of the explorer, each in a new page and kernel (at least one: the first kernel\'s)')
    ap.add_argument('--passes', type=int, default=1, help='cached passes of the lassos after the first-time one')
    ap.add_argument('--only', nargs='*', default=['explorer', *LIBS], choices=['explorer', *LIBS])
    ap.add_argument('--person', type=int, default=4, help='lassos let go on the points, as a person does, to count lost selections (0: none)')
    ap.add_argument('--timeout', type=float, default=45, help='seconds to wait for any one change in the page')
    a = ap.parse_args()
    if why := lb.missing(): print(f'bench_explorer: skipped: {why}'); return
    from _results import save, RESULTS
    t_start = time.perf_counter()
    res, rows = dict(settings=dict(n=a.n, renders=a.renders, colds=a.colds, passes=a.passes, chromium_args=lb.CHROMIUM_ARGS)), {}
    with tempfile.TemporaryDirectory() as tmp, lb.lab_server(Path(tmp)) as (url, token), lb.chromium_page() as page:
        page.add_init_script(PAGE_JS)
        page.on('pageerror', lambda e: page.errors.append(f'page error: {e}'))
        page.goto(f'{url}/lab?token={token}')
        res['webgl_renderer'] = webgl_info(page)
        print(f"JupyterLab in headless Chromium ({' '.join(lb.CHROMIUM_ARGS)}); WebGL renderer: {res['webgl_renderer']}", flush=True)
        if 'explorer' in a.only:
            t = time.perf_counter(); rows['explorer'] = run_explorer(page, url, token, Path(tmp), a, res)
            print(f'  (explorer: {time.perf_counter() - t:.0f} s)', flush=True)
        for lib in LIBS:
            if lib not in a.only: continue
            if lib == 'bqplot' and importlib.util.find_spec('bqplot') is None:
                rows[lib] = dict(note='bqplot is not installed: pip install -e ".[bench]"'); print(f"  {lib}: {rows[lib]['note']}"); continue
            t = time.perf_counter(); rows[lib] = run_minimal(page, url, token, Path(tmp), lib, a)
            print(f'  ({lib}: {time.perf_counter() - t:.0f} s)', flush=True)
        errors = [e for e in page.errors if 'favicon' not in e and '404' not in e]
        if errors: res['console_errors'] = errors[:10]; print(f'  {len(errors)} console errors in the page, the first: {errors[0][:300]}')

    # the table
    print(f"\n{'setting':<50}{'median':>9}{'max':>9}{'n':>4}{'kernel':>9}   goal      verdict")
    table = {}
    def row(name, xs, goal, kernel=None):
        s, k = stats(xs or []), stats(kernel or [])
        kk = f"{k['median']:>8.3f}s" if k else f'{"":>9}'
        if s is None: print(f'{name:<50}{"-":>9}{"-":>9}{0:>4}{kk}   < {goal:g} s  NO NUMBER'); return
        ok = s['median'] < goal
        table[name] = dict(s, kernel_median=k and k['median'], goal_s=goal, status='PASS' if ok else 'MISS')
        print(f"{name:<50}{s['median']:>8.3f}s{s['max']:>8.3f}s{len(s['samples']):>4}{kk}   < {goal:g} s  {'PASS' if ok else 'MISS'}")
    def lost(name, r):
        if not r.get('person'): return
        p = r['person']
        table[f'{name}: lassos let go on the points, lost'] = p
        print(f"{name + ': lasso let go on points, lost':<50}{p['lost']:>9}{'':>9}{p['lassos']:>4}{'':>9}   0         {'PASS' if p['lost'] == 0 else 'MISS'}")
    if 'explorer' in rows:
        e, ks = rows['explorer'], res.get('explorer_kernel_select_s', {})
        row('explorer: first render, cold', e['render_cold'], RENDER_GOAL, e['kernel_cold'])
        row('explorer: first render, warm', e['render_warm'], RENDER_GOAL, e['kernel_warm'])
        for maps in ('off', 'on'):
            for when in ('first', 'cached'):
                key = f'select_maps_{maps}_{when}'
                row(f'explorer: selection, maps {maps}, {"first time" if when == "first" else "cached"}', e.get(key), SELECT_GOAL,
                    [ks[key]['on_select']] if 'on_select' in ks.get(key, {}) else None)
        lost('explorer', e)
    for lib in LIBS:
        if lib not in rows: continue
        r, label = rows[lib], {'plotly_svg': 'plotly Scatter (SVG)', 'plotly_gl': 'plotly Scattergl (WebGL)', 'bqplot': 'bqplot Scatter'}[lib]
        if r.get('render_cold'): row(f'{label}: first render, cold', r['render_cold'], RENDER_GOAL, r.get('kernel_cold'))
        if r.get('render_warm'): row(f'{label}: first render, warm', r['render_warm'], RENDER_GOAL, r.get('kernel_warm'))
        if r.get('select'): row(f'{label}: selection', r['select'], SELECT_GOAL)
        lost(label, r)
        if r.get('note'): print(f'{label}: {r["note"]}'); table[f'{label}: note'] = r['note']
    print("(kernel: the kernel's share, in the display cell or in on_select; the rest is transport and the browser. "
          "'lasso let go on points': lassos ended on the points as a person does, whose selection never reached the kernel)")
    res['table'] = table
    res['libraries'] = {k: v for k, v in rows.items() if k != 'explorer'}
    res['total_s'] = round(time.perf_counter() - t_start, 1)
    res['goal'] = f'first render of {a.n} items < {RENDER_GOAL:g} s, each selection update < {SELECT_GOAL*1000:.0f} ms (medians)'
    print(f"total {res['total_s']:.0f} s")
    save('explorer', res)
    print(f"merged into {RESULTS} under 'explorer'")

if __name__ == '__main__': main()
