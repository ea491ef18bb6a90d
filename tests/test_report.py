"The report template run end to end through `run_report` and `visreg-report`, with smoke parameters; outputs in tmp_path."
import json, os, re, shutil, subprocess, sys, zipfile
from pathlib import Path
from html import escape
import pandas as pd, pytest, nbformat
from visreg_nb.report import run_report
from visreg_nb.data.synth import save_synthetic
from conftest import REPO, START_DIR, START_ENV, background

SECTIONS = ['Summary', 'Training and metrics', 'Explanations of the best and worst predictions', 'Error analysis', 'Error by true value',
            'Prediction intervals', 'Near-duplicates across the split', 'Label issues', 'Outputs', 'Appendix: parameters and warnings']

def _check(out, n_items):
    m = json.loads((out/'metrics.json').read_text())
    html = (out/'report.html').read_text()
    at = [html.index(f'id="{s.replace(" ", "-")}"') for s in SECTIONS]   # the headings' anchors
    assert at == sorted(at), 'sections in order, summary first'
    summary = html[at[0]:at[1]]
    assert 'are filled in here' not in summary and '<strong>Findings</strong>' in summary and '<strong>What to do next:</strong>' in summary
    assert summary.count('<li>') >= 4 and 'linear model on 16×16 grey thumbnails' in summary   # 3 findings, >= 1 next step, the second baseline
    assert 'def ' not in html and 'import ' not in html.split('</style>')[-1], 'code cells should be hidden'
    assert html.count('<img') >= 5 and (out/'model.pkl').stat().st_size > 1000
    assert 'NaN' not in (out/'metrics.json').read_text()   # JSON has no NaN: null instead
    assert not re.search(r'<(script|link)[^>]+(src|href)=["\']?(https?:)?//', html), 'the report must load nothing from the network'
    assert f"<title>{escape(', '.join(m['target']), quote=False)} from " in html   # the tab names what was predicted
    assert m['n_items'] == n_items and m['n_train'] + m['n_valid'] == n_items
    return m, html

def test_synthetic_task_beats_baseline(tmp_path):
    m = run_report(dict(dataset='size', epochs=10, max_items=400, smoke=True), tmp_path/'size', progress=False)
    got, _ = _check(tmp_path/'size', 400)
    assert got == m and m['target'] == ['radius']
    assert 0 < m['mae'] < 0.5*m['baseline_mae']
    assert m['parameters']['epochs'] == 10 and m['parameters']['out_dir'] == str((tmp_path/'size').resolve())
    # the exported model, loaded instead of trained, gives the same validation error on the same data
    m2 = run_report(dict(dataset='size', max_items=400, smoke=True, learner_path=str(tmp_path/'size'/'model.pkl'), trust_learner=True), tmp_path/'loaded', progress=False)
    assert m2['mae'] == pytest.approx(m['mae'], rel=1e-4)
    assert 'loaded from' in (tmp_path/'loaded'/'report.html').read_text()

@background   # CLI subprocesses: runs while the in-process tests do (tests/conftest.py)
def test_digits_and_cli(tmp_path):
    out = tmp_path/'digits'
    r = subprocess.run([sys.executable, '-m', 'visreg_nb.report', '--dataset', 'digits', '--out', str(out), '-p', 'epochs', '12',
                        '-p', 'max_items', '400', '-p', 'methods', '[gradcam, ig]', '--smoke'], capture_output=True, text=True, timeout=300,
                       cwd=START_DIR, env=START_ENV)
    assert r.returncode == 0, r.stderr[-2000:]
    m, html = _check(out, 400)
    assert 'ig, best predictions' in html and 'gradcam, worst predictions' in html and m['parameters']['methods'] == ['gradcam', 'ig']
    assert m['target'] == ['angle'] and m['mae'] < 0.5*m['baseline_mae']
    assert str(out/'report.html') in r.stdout
    again = subprocess.run([sys.executable, '-m', 'visreg_nb.report', '--dataset', 'digits', '--out', str(out)], capture_output=True, text=True, timeout=120,
                           cwd=START_DIR, env=START_ENV)
    assert again.returncode != 0 and '--force' in again.stderr and str(out) in again.stderr
    assert json.loads((out/'metrics.json').read_text()) == m

def make_csv_data(tmp_path):
    data = save_synthetic(tmp_path/'data', 'brightness', n=300, size=32, seed=1)
    df = pd.read_csv(tmp_path/'data'/'labels.csv').rename(columns={'brightness': '<b>age</b>'})
    df['note'] = 'x'
    df.to_csv(tmp_path/'data'/'labels.csv', index=False)
    return tmp_path/'data'/'labels.csv'

@pytest.fixture
def csv_data(tmp_path): return make_csv_data(tmp_path)

def test_csv_dataset_and_html_escaping(tmp_path, csv_data):
    out = tmp_path/'csv'
    m = run_report(dict(dataset=str(csv_data), label_col='<b>age</b>', epochs=10, img_size=32, smoke=True), out, progress=False)
    _, html = _check(out, 300)
    assert m['target'] == ['<b>age</b>'] and m['mae'] < m['baseline_mae']
    assert '&lt;b&gt;age&lt;/b&gt;' in html and '<b>age</b>' not in html

def test_bad_parameters_stop_before_training(tmp_path, csv_data):
    for params, msg in [(dict(dataset='faces'), "dataset='faces'"),
                        (dict(dataset=str(tmp_path/'none.csv')), 'dataset='),
                        (dict(dataset=str(csv_data), label_col='age'), "label_col='age'"),
                        (dict(dataset=str(csv_data), label_col='note'), "label_col='note': column is not numeric"),
                        (dict(dataset=str(csv_data), label_col='<b>age</b>', fn_col='file'), "fn_col='file'"),
                        (dict(dataset='count', learner_path=str(tmp_path/'no.pkl')), 'learner_path=')]:
        with pytest.raises((ValueError, FileNotFoundError), match=msg.replace('(', r'\(').replace('[', r'\[')):
            run_report(params, tmp_path/'out', progress=False)
        assert not (tmp_path/'out'/'report.ipynb').exists()

def test_failing_cell_keeps_partial_notebook(tmp_path):
    "A cell that fails (here: a trusted learner file that is not a learner) names the cell; the partial notebook goes to OUT.failed."
    out, bogus = tmp_path/'fail', tmp_path/'bogus.pkl'
    bogus.write_text('not a pickle')
    with pytest.raises(RuntimeError) as e:
        run_report(dict(dataset='count', smoke=True, learner_path=str(bogus), trust_learner=True), out, progress=False)
    msg, failed = str(e.value), tmp_path/'fail.failed'
    assert 'failed in cell' in msg and 'UnpicklingError' in msg and str(failed/'report.ipynb') in msg and f'{out} is unchanged' in msg
    nb = nbformat.read(str(failed/'report.ipynb'), as_version=4)
    assert any(o.get('ename') == 'UnpicklingError' for c in nb.cells if c.cell_type == 'code' for o in c.get('outputs', []))
    assert not out.exists() and not (failed/'metrics.json').exists()

@background   # CLI subprocesses: runs while the in-process tests do (tests/conftest.py)
def test_grid_runs_on_dask_and_writes_index(tmp_path):
    """Four runs on a Dask LocalCluster of 2 workers (started here; `--scheduler` sends the grid to it): the three good ones write
    their reports and metrics, the one that fails is a row of the index. With no scheduler at the address, one line says what to do."""
    from distributed import LocalCluster
    grid = tmp_path/'grid.yaml'
    grid.write_text("dataset: [count, '<i>bad</i>']\nmax_items: 100\n")
    r = subprocess.run([sys.executable, '-m', 'visreg_nb.report', '--grid', str(grid), '--out', str(tmp_path/'g'), '--workers', '2'],
                       capture_output=True, text=True, timeout=300, cwd=START_DIR, env=START_ENV)
    assert r.returncode != 0 and "dataset='<i>bad</i>'" in r.stderr  # every parameter set is checked before any run starts
    grid.write_text("dataset: [count, size]\nmax_items: 100\n")
    r = subprocess.run([sys.executable, '-m', 'visreg_nb.report', '--grid', str(grid), '--out', str(tmp_path/'h'), '--smoke',
                        '--scheduler', 'tcp://127.0.0.1:9'], capture_output=True, text=True, timeout=120, cwd=START_DIR, env=START_ENV)
    assert r.returncode == 2 and 'no Dask scheduler answered' in r.stderr and 'dask scheduler' in r.stderr and not (tmp_path/'h').exists()
    bogus = tmp_path/'bogus.pkl'; bogus.write_text('not a pickle')   # a trusted learner file that is not one: the run fails in a cell
    grid.write_text("- {dataset: count}\n- {dataset: size}\n- {dataset: angle}\n"
                    "- {dataset: count, learner_path: '" + str(bogus) + "', trust_learner: true}\n")
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        r = subprocess.run([sys.executable, '-m', 'visreg_nb.report', '--grid', str(grid), '--out', str(tmp_path/'g'), '--scheduler', cluster.scheduler_address,
                            '-p', 'epochs', '1', '-p', 'max_items', '100', '--smoke'], capture_output=True, text=True, timeout=600, cwd=START_DIR, env=START_ENV)
    assert r.returncode == 1 and '3/4 reports' in r.stdout, r.stderr[-2000:]
    assert sorted(l.split()[0] for l in r.stderr.splitlines() if ' done, ' in l) == ['run00', 'run01', 'run02', 'run03']   # progress, run by run
    index = (tmp_path/'g'/'index.html').read_text()
    assert index.count('<tr>') == 5 and index.count('<b>failed</b>') == 1 and 'UnpicklingError' in index
    for i, task in enumerate(['count', 'size', 'angle']):
        assert f'href="run{i:02d}/report.html"' in index and (tmp_path/'g'/f'run{i:02d}'/'report.html').stat().st_size > 10_000
        m = json.loads((tmp_path/'g'/f'run{i:02d}'/'metrics.json').read_text())
        assert m['dataset'] == task and m['n_items'] == 100 and m['parameters']['epochs'] == 1
        assert f"{m['mae']:.4g}" in index
    assert (tmp_path/'g'/'run03.failed'/'report.ipynb').exists() and not (tmp_path/'g'/'run03').exists()

def test_make_report_parameters_are_valid():
    "`make report`'s command line parses into parameters check_params accepts: the full-size digits report."
    import shlex
    from pathlib import Path
    from visreg_nb.report import parse_cli_params, check_params
    root = Path(__file__).resolve().parent.parent
    cmd = subprocess.run(['make', '-n', '-o', '.venv/.visreg-installed', 'report', 'OUT=x'], cwd=root,
                         capture_output=True, text=True).stdout.strip().splitlines()[-1]
    args = shlex.split(cmd)
    assert args[0].endswith('visreg-report') and args[args.index('--out')+1] == 'x' and '--force' not in args
    pairs = [args[i+1:i+3] for i, a in enumerate(args) if a == '-p']
    p = check_params(parse_cli_params(args[args.index('--dataset')+1], pairs))
    assert p['dataset'] == 'digits' and p['smoke'] is False and p['max_items'] is None and p['epochs'] >= 5

def test_label_issues_section_shows_the_wrong_labels(tmp_path):
    "5% of the labels replaced by wrong ones: the report lists flagged labels by file name, and (nearly) only wrong ones."
    data = save_synthetic(tmp_path/'data', 'size', n=400, size=32, seed=3, outlier_frac=0.05)
    m = run_report(dict(dataset=str(tmp_path/'data'/'labels.csv'), label_col='radius', epochs=8, img_size=32), tmp_path/'out', progress=False)
    html = (tmp_path/'out'/'report.html').read_text()
    wrong = set(data.df.fname[data.corrupted])
    shown = set(re.findall(r'images/\d+\.png', html.split('id="Label-issues"')[1].split('id="Outputs"')[0]))
    # the flag rule keeps false alarms near 1 in 1,000, so only clearly wrong labels are flagged (measured: 10 of 20, all wrong)
    assert min(m['n_label_issues'], 20) == len(shown) >= 0.4*len(wrong), (m['n_label_issues'], len(wrong))   # the table lists 20 at most
    assert len(shown & wrong) >= 0.9*len(shown), sorted(shown - wrong)
    assert f"<strong>{m['n_label_issues']} of 400 labels are flagged</strong>" in html

def test_keypoints_report(tmp_path):
    "Keypoint targets: one metrics row per keypoint, per-coordinate columns in the label table, every section rendered."
    m = run_report(dict(dataset='position', max_items=120, epochs=2, smoke=True), tmp_path/'kp', progress=False)
    _, html = _check(tmp_path/'kp', 120)
    assert m['kind'] == 'keypoints' and m['target'] == ['x0', 'y0', 'x1', 'y1']
    assert {'kp0/MAE', 'kp1/MAE'} <= set(m['metrics']) and m['mae'] == m['metrics']['kp0/MAE']
    assert ('out-of-fold prediction x1 (px)' in html or 'No label is flagged' in html) and 'bins of the true x0' in html
    assert 'a circle of radius h around each predicted point' in html

def test_user_defaults_are_not_smoke():
    "Without parameters the report is a user's: all items, epochs that converge, a full label scan; smoke settings only when asked."
    from visreg_nb.report import check_params, REPORT_DEFAULTS, PHOTO_SIZE, PHOTO_EPOCHS, SYNTH_EPOCHS
    p = check_params({})
    assert (p['smoke'], p['max_items'], p['epochs'], p['img_size']) == (False, None, SYNTH_EPOCHS, 32)
    assert check_params(dict(smoke=True))['epochs'] == 1 and check_params(dict(smoke=True))['max_items'] == 300
    assert check_params(dict(smoke=True, epochs=4, max_items=None))['epochs'] == 4 and check_params(dict(smoke=True, max_items=None))['max_items'] == 300
    assert REPORT_DEFAULTS['arch'] == 'auto' and PHOTO_SIZE >= 64 and PHOTO_EPOCHS >= 5

@background   # a CLI subprocess: runs while the in-process tests do (tests/conftest.py)
def test_photos_fine_tune_the_pretrained_model(tmp_path):
    "EfficientNet-Lite0 fine-tuned from its packaged weights inside the report, explained by Grad-CAM; nothing downloaded."
    csv_data, out = make_csv_data(tmp_path), tmp_path/'photos'
    r = subprocess.run([sys.executable, '-m', 'visreg_nb.report', '--dataset', str(csv_data), '-p', 'label_col', '<b>age</b>',
                        '-p', 'img_size', '64', '-p', 'max_items', '120', '-p', 'arch', 'efficientnet_lite0', '--smoke', '--out', str(out)],
                       capture_output=True, text=True, timeout=600, cwd=START_DIR, env={**START_ENV, 'HF_HUB_OFFLINE': '1'})
    assert r.returncode == 0, r.stderr[-2000:]
    m, html = _check(out, 120)
    assert 'efficientnet_lite0 fine-tuned from ImageNet weights' in html and m['parameters']['img_size'] == 64

@background   # subprocesses: runs while the in-process tests do (tests/conftest.py)
def test_wheel_install_runs_the_report(tmp_path):
    "A wheel carries the report template: installed into a fresh venv (with this environment's packages, --no-deps), visreg-report runs from another folder."
    import sysconfig
    repo, run = REPO, lambda *a, **kw: subprocess.run(*a, **{'cwd': START_DIR, 'env': START_ENV, **kw})   # in the session's folder and environment
    whl, src = tmp_path/'whl', tmp_path/'src'
    # built from a copy without build/: setuptools reuses build/lib and never deletes a module removed since (pypa/setuptools#1871)
    top = {'.git', '.venv', 'build', 'reports', 'tmp', 'screenshots', 'lessons-html'}   # the repository's own, not nbs/reports
    shutil.copytree(repo, src, ignore=lambda d, names: [n for n in names if (Path(d) == repo and n in top) or n == '__pycache__' or n.endswith('.egg-info')])
    run([sys.executable, '-m', 'pip', 'wheel', str(src), '--no-deps', '--no-build-isolation', '-q', '-w', str(whl)], check=True, capture_output=True)
    shipped = {n for n in zipfile.ZipFile(next(whl.glob('*.whl'))).namelist() if n.startswith('visreg_nb/') and n.endswith('.py')}
    assert shipped == {f.relative_to(repo).as_posix() for f in (repo/'visreg_nb').rglob('*.py')}, shipped ^ {f.relative_to(repo).as_posix() for f in (repo/'visreg_nb').rglob('*.py')}
    venv = tmp_path/'venv'
    run([sys.executable, '-m', 'venv', str(venv)], check=True, capture_output=True)
    site = next((venv/'lib').glob('python*/site-packages'))
    (site/'base_env.pth').write_text(sysconfig.get_paths()['purelib'] + '\n')   # torch, fastai, ...; its .pth files (the editable visreg_nb) are not read
    r = run([venv/'bin'/'python', '-m', 'pip', 'install', '--no-deps', '-q', *whl.glob('*.whl')], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    where = run([venv/'bin'/'python', '-c', 'import visreg_nb.report as r; print(r.__file__); print(r.report_template())'],
                capture_output=True, text=True, cwd=tmp_path).stdout.split()
    assert all(w.startswith(str(venv)) for w in where) and len(where) == 2, where   # the wheel's package and template, not the repository's
    env = {**START_ENV, 'JUPYTER_PATH': str(Path(sysconfig.get_path('data'))/'share'/'jupyter')}   # nbconvert's templates, installed with it here
    r = run([venv/'bin'/'visreg-report', '--dataset', 'count', '--out', 'rep', '-p', 'max_items', '40', '--smoke'],
            capture_output=True, text=True, cwd=tmp_path, timeout=300, env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    assert json.loads((tmp_path/'rep'/'metrics.json').read_text())['n_items'] == 40
