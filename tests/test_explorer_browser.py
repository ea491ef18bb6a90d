"""The explorer in a real browser: JupyterLab on a free local port, a notebook that opens `interp.explore()` run in it,
headless Debian Chromium driven by Playwright. A lasso in the first view must list exactly the items inside it, with
their numbers; a flag and a typed label must reach the corrections CSV. Screenshots go to screenshots/explorer/ (ignored
by git) for a person to look at. Skipped, with the package to install, where Chromium or Playwright is missing.
And where no one can click: under papermill, and in the HTML nbconvert makes of its output, the static view and its note."""
import json, shutil, subprocess, sys
from pathlib import Path
import pandas as pd, pytest
from conftest import REPO, START_ENV, background
from visreg_nb.interpret.explore import _domain

sys.path.insert(0, str(REPO/'bench'))
import lab_browser as lb

needs_browser = pytest.mark.skipif(lb.missing() is not None, reason=lb.missing() or '')
SHOTS = REPO/'screenshots'/'explorer'

NOTEBOOK = """import torch; torch.set_num_threads(1)
from visreg_nb.all import *
from visreg_nb.test_utils import trained_learner
learn = trained_learner('count', n={n}, size=32, epochs=2)
interp = RegressionInterpretation.from_learner(learn)
ex = interp.explore(corrections='corrections.csv')
ex.t.to_csv('table.csv', index=False)
ex"""

def _notebook(path:Path, n:int=400):
    cell = dict(cell_type='code', execution_count=None, id='explore', metadata={}, outputs=[], source=NOTEBOOK.format(n=n))
    nb = dict(cells=[cell], metadata=dict(kernelspec=dict(name='python3', display_name='Python 3', language='python')), nbformat=4, nbformat_minor=5)
    path.write_text(json.dumps(nb))

@needs_browser
@background
def test_explorer_in_jupyterlab(tmp_path):
    from playwright.sync_api import expect
    _notebook(tmp_path/'explore.ipynb')
    shutil.rmtree(SHOTS, ignore_errors=True); SHOTS.mkdir(parents=True)
    with lb.lab_server(tmp_path) as (url, token), lb.chromium_page() as page, lb.screenshot_on_failure(page, SHOTS/'failed.png'):
        lb.run_notebook(page, url, token, 'explore.ipynb')
        lb.wait_for_output(page, '.vr-explorer .vr-card')
        page.wait_for_function("document.querySelectorAll('.vr-explorer .bqplot').length == 3"
                               " && document.querySelectorAll('.vr-explorer .bqplot path.dot').length >= 3*80", timeout=180_000)
        page.screenshot(path=str(SHOTS/'1-opened.png'))
        table = pd.read_csv(tmp_path/'table.csv')
        first = [c['row'] for c in lb.gallery(page)]
        assert first == table.sort_values('label_quality', kind='stable')['_row'].tolist()[:12], 'unselected: every item, suspicious labels first'

        # a lasso around the images with 3 to 5 discs (the true counts are whole numbers: no point sits on an edge)
        lb.lasso(page, lb.view_box(page, 0, (2.5, 5.5), _domain(table['count']), _domain(table['pred_count'])))
        want = table[(table['count'] > 2.5) & (table['count'] < 5.5)].sort_values('label_quality', kind='stable')
        page.wait_for_function(f"document.querySelector('.vr-count').dataset.n == '{len(want)}'", timeout=90_000)
        page.screenshot(path=str(SHOTS/'2-lasso.png'))
        seen, nxt = [], page.locator('.vr-explorer button', has_text='next')
        for k in range(-(-len(want)//12)):   # every page of the gallery
            if k:
                nxt.click()
                page.wait_for_function(f"document.querySelector('.vr-count').dataset.page == '{k}'", timeout=90_000)
            cards = lb.gallery(page)
            seen += [c['row'] for c in cards]
            for c in cards:
                r = table.set_index('_row').loc[c['row']]
                assert c['image'] and c['y'] == pytest.approx(r['count'], abs=1e-5) and c['pred'] == pytest.approx(r['pred_count'], rel=1e-5)
        expect(nxt).to_be_disabled()
        assert seen == want['_row'].tolist(), 'the gallery lists exactly the lassoed items, in label-quality order'

        # flag the first card on this page as a wrong label, then type its corrected label
        slot = page.locator('.vr-slot').filter(has=page.locator('.vr-card')).first
        row = int(slot.locator('.vr-card').get_attribute('data-row'))
        slot.get_by_text('wrong label', exact=True).click()
        page.wait_for_function("document.querySelector('.vr-status').textContent.includes('1 flagged')", timeout=90_000)
        field = slot.locator('input[type=text]')
        field.fill('7'); field.press('Enter')
        page.wait_for_function("document.querySelector('.vr-verdict') && document.querySelector('.vr-verdict').textContent.includes('7')", timeout=90_000)
        page.screenshot(path=str(SHOTS/'3-flagged.png'))
        assert not [e for e in page.errors if 'favicon' not in e and '404' not in e], page.errors
    corr = pd.read_csv(tmp_path/'corrections.csv')
    assert corr[['_row', 'status', 'count']].values.tolist() == [[row, 'wrong_label', 7.0]]

@background
def test_static_under_papermill_and_in_html(tmp_path):
    "No frontend: the stored output is the static view with its note, no widget; its HTML export shows both and loads nothing."
    from visreg_nb.interpret.explore import STATIC_NOTE
    _notebook(tmp_path/'explore.ipynb', n=100)
    bin_ = Path(sys.executable).parent
    for cmd in ([bin_/'papermill', 'explore.ipynb', 'out.ipynb', '--cwd', '.'], [bin_/'jupyter', 'nbconvert', '--to', 'html', 'out.ipynb']):
        r = subprocess.run([str(c) for c in cmd], cwd=tmp_path, capture_output=True, text=True, timeout=600, env={**START_ENV, 'OMP_NUM_THREADS': '1'})
        assert r.returncode == 0, r.stderr[-2000:]
    out = json.loads((tmp_path/'out.ipynb').read_text())
    data = [o['data'] for o in out['cells'][0]['outputs'] if o.get('output_type') == 'execute_result'][0]
    assert sorted(data) == ['text/html', 'text/plain'] and STATIC_NOTE in ''.join(data['text/html']) and 'widgets' not in out['metadata']
    page = (tmp_path/'out.html').read_text()
    assert STATIC_NOTE in page and page.count('src="data:image/png;base64,') == 1 and 'widget-view+json' not in page
