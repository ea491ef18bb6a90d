"""Bad input and faults against `visreg-report`: a clear one-line error (exit 2 for bad input), nothing a user made is removed,
a failed, interrupted or killed run leaves the previous report byte for byte, no code runs from an untrusted learner file."""
import json, os, pickle, resource, shutil, signal, subprocess, sys, time
from pathlib import Path
import numpy as np, pandas as pd, pytest
from visreg_nb.report import visreg_report
from visreg_nb.data.synth import save_synthetic
from conftest import START_DIR, START_ENV, background

CLI = [sys.executable, '-m', 'visreg_nb.report']

def cli(*args, **kw):
    "Run visreg-report as a user does; (exit code, stderr). In the session's folder and environment: it may run in the background."
    r = subprocess.run(CLI + [str(a) for a in args], capture_output=True, text=True, timeout=kw.pop('timeout', 300), cwd=START_DIR, env=START_ENV, **kw)
    return r.returncode, r.stderr

def call(capsys, tmp, **kw):
    "Call the CLI function in this process (fast: no import of torch per case); (exit code, last stderr line, stderr)."
    kw.setdefault('out', str(tmp/'out'))
    with pytest.raises(SystemExit) as e: visreg_report(**kw)
    err = capsys.readouterr().err
    return e.value.code, err.strip().splitlines()[-1] if err.strip() else '', err

def tree(d:Path)->dict:
    "Every file under `d` with its bytes."
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob('*')) if p.is_file()}

def make_data(tmp_path):
    "A CSV data set of 40 count images (labels.csv next to images/)."
    save_synthetic(tmp_path/'data', 'count', n=40, size=32, seed=0)
    return tmp_path/'data'

@pytest.fixture
def data(tmp_path): return make_data(tmp_path)

def csv_with(data, name, edit):
    "A copy of the data set's labels.csv, changed by `edit(df)`, next to the images."
    df = pd.read_csv(data/'labels.csv'); df = edit(df) if edit else df
    df.to_csv(data/name, index=False)
    return data/name

# --- --force never removes what the kit did not write -----------------------------------------------------------

@background   # three CLI subprocesses: runs while the in-process tests do (tests/conftest.py)
def test_force_keeps_the_data_set_and_a_users_folder(tmp_path):
    data = make_data(tmp_path)
    before = tree(data)
    code, err = cli('--dataset', data/'labels.csv', '--out', data, '--force', '-p', 'label_col', 'count', '--smoke')
    assert code == 2 and 'an input of this report' in err and len(err.strip().splitlines()) == 1
    assert tree(data) == before
    mine = tmp_path/'mine'; mine.mkdir(); (mine/'notes.txt').write_text('keep me')
    grid = tmp_path/'g.yaml'; grid.write_text('dataset: [count, size]\n')
    code, err = cli('--grid', grid, '--workers', '0', '--force', '--out', mine)
    assert code == 2 and '--workers 0' in err and (mine/'notes.txt').read_text() == 'keep me'
    code, err = cli('--dataset', 'count', '--out', mine, '--force', '--smoke')
    assert code == 2 and 'did not write (notes.txt)' in err and (mine/'notes.txt').read_text() == 'keep me'

def running(p, tmp_path, secs=120):
    "Wait until run `p` holds the lock on rep and papermill has written its notebook in the work folder."
    lock, nb, t = tmp_path/'.rep.lock', tmp_path/'.rep.partial'/'report.ipynb', time.time()
    while not (lock.exists() and f'pid {p.pid},' in lock.read_text() and nb.exists() and nb.stat().st_mtime > t):
        assert p.poll() is None, p.stderr.read()
        assert time.time() - t < secs, "the run did not start"
        time.sleep(0.2)

def exec_after(setup:str)->list:
    "A command prefix: a small Python runs `setup` (a limit, a signal disposition), then becomes the command that follows (exec)."
    return [sys.executable, '-c', f"import os, resource, signal, sys; {setup}; os.execv(sys.argv[1], sys.argv[1:])"]

def test_killed_interrupted_and_full_disk_runs_leave_the_previous_report(tmp_path):
    out = tmp_path/'rep'
    run = CLI + ['--dataset', 'count', '--out', str(out), '-p', 'max_items', '60', '--smoke', '--force']
    assert subprocess.run(run, capture_output=True, timeout=300).returncode == 0
    before = tree(out)
    assert '.visreg-report' in before and 'report.html' in before
    # a full disk while writing (a 64 kB file size limit: the plots and model.pkl do not fit), run meanwhile on a copy of the report in
    # disk/, next to the partial run a failed run kept (kit-made, replaced by this run's), as the last run in rep/ finds it below
    disk = tmp_path/'disk'; shutil.copytree(out, disk/'rep', symlinks=True); shutil.copytree(out, disk/'rep.failed', symlinks=True)
    # the limit is set by a small Python that then becomes the run (exec), not by preexec_fn, which is unsafe while a background test's thread runs
    limited = exec_after("resource.setrlimit(resource.RLIMIT_FSIZE, (64_000, 64_000))")
    full = subprocess.Popen([*limited, *run[:run.index('--out')+1], str(disk/'rep'), *run[run.index('--out')+2:]], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    slow = run + ['-p', 'max_items', '1500', '-p', 'epochs', '50']   # minutes of training: still running when it is stopped
    # a run holds the folder: a second fails at once and names it; then the first is killed outright (SIGKILL)
    p = subprocess.Popen(slow, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    running(p, tmp_path)
    code, err = cli('--dataset', 'count', '--out', out, '--force', '--smoke', timeout=180)   # a fresh interpreter imports torch and fastai first (10 s alone, more on a busy machine)
    assert code == 2 and f'is in use by visreg-report (pid {p.pid}' in err
    os.killpg(p.pid, signal.SIGKILL); p.wait()
    assert tree(out) == before and (tmp_path/'.rep.partial').is_dir()   # the killed run's work folder stays, hidden
    # Ctrl-C: one line, exit 130, the partial run kept as rep.failed, the stale .partial of the killed run gone
    # Ctrl-C reaches a run whatever started `make test`: a shell's background job (`make test &`) inherits SIGINT ignored, and so
    # would the run; a small Python restores the default and then becomes the run (exec), as for the file size limit above
    interruptible = exec_after("signal.signal(signal.SIGINT, signal.SIG_DFL)")
    p = subprocess.Popen(interruptible + slow, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    running(p, tmp_path); time.sleep(2)
    os.killpg(p.pid, signal.SIGINT)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 130 and f'visreg-report: interrupted; {out} is unchanged' in err.splitlines() and 'Traceback' not in err, err[-2000:]
    assert tree(out) == before and (tmp_path/'rep.failed'/'.visreg-report').is_file() and not (tmp_path/'.rep.partial').exists()
    _, err = full.communicate(timeout=300)
    assert full.returncode == 1 and f'{disk/"rep"} is unchanged' in err, err[-2000:]
    assert tree(disk/'rep') == before
    # no work folder or lock is left behind (replacing a report on success is checked in nbs/06_report.ipynb)
    assert sorted(f.name for f in tmp_path.iterdir()) == ['disk', 'rep', 'rep.failed']
    assert sorted(f.name for f in disk.iterdir()) == ['rep', 'rep.failed']

# --- bad input: one line naming the file, row or parameter, and the fix; exit 2 ----------------------------------

CSV_CASES = {  # name: (bytes of the CSV, or an edit of the good one), the message
    'empty': (b'', 'is empty; it needs a header row'),
    'latin-1': ('fname,count\ncaf\xe9.png,1\n'.encode('latin-1'), 'is not UTF-8 text (byte 0xe9'),
    'ragged': (b'fname,count\na.png,1\nb.png,2,3\n', 'is not a well-formed CSV (Expected 2 fields in line 3, saw 3)'),
    'outside': (lambda df: df.assign(fname=df.fname.where(df.index != 5, '../outside.png')), "row 5 (../outside.png): file name '../outside.png' leads outside"),
    'absolute': (lambda df: df.assign(fname=df.fname.where(df.index != 6, '/etc/hostname')), "row 6 (/etc/hostname): file name '/etc/hostname' leads outside"),
    'huge labels': (lambda df: df.assign(count=df['count'] + 1e300), "beyond the 1e+150 whose squares stay finite; rescale the column"),
    'split image': (lambda df: df.assign(fname=df.fname.where(df.index != df.index[~df.is_valid][0], df.fname[df.is_valid].iloc[0])),
                    "with 'is_valid' both True and False, so it would be trained and validated on"),
}

@pytest.mark.parametrize('case', list(CSV_CASES))
def test_bad_csv(case, data, capsys, tmp_path):
    content, msg = CSV_CASES[case]
    if callable(content): csv = csv_with(data, 'bad.csv', content)
    else: csv = data/'bad.csv'; csv.write_bytes(content)
    if case in ('outside', 'absolute'): (data.parent/'outside.png').write_bytes((data/pd.read_csv(data/'labels.csv').fname[0]).read_bytes())
    code, last, err = call(capsys, tmp_path, dataset=str(csv), Params=[['label_col', 'count']])
    assert code == 2 and msg in err, err
    assert "on_bad" not in err and 'valid_col=None' not in err   # advice in the report's terms, not the API's

PARAM_CASES = [  # (visreg_report keyword arguments, the message)
    (dict(Params=[['methods', 'null']]), 'parameter methods=None: use a list of'),
    (dict(Params=[['fn_col', '[a, b]']]), "parameter fn_col=['a', 'b']: use a text value"),
    (dict(Params=[['arch', 'nonexistent']]), "parameter arch='nonexistent': not a model name"),
    (dict(Params=[['img_size', '10000']]), 'parameter img_size=10000: use a whole number >= 8 and <= 1024'),
    (dict(Params=[['methods', '[gradcam']]), '-p methods [gradcam is not valid YAML'),
    (dict(Params=[['learner_path', '/etc/hostname']]), 'an exported learner is a pickle, and loading one runs any code it holds'),
]

@pytest.mark.parametrize('kw,msg', PARAM_CASES, ids=[m[:30] for _, m in PARAM_CASES])
def test_bad_parameter(kw, msg, capsys, tmp_path):
    code, last, err = call(capsys, tmp_path, dataset='count', **kw)
    assert code == 2 and msg in last and len(err.strip().splitlines()) == 1, err

def test_bad_files_and_folders(tmp_path, data, capsys):
    f = tmp_path/'p.yaml'; f.write_text('epochs: [1\n')
    code, last, _ = call(capsys, tmp_path, dataset='count', File=str(f))
    assert code == 2 and last.startswith(f"visreg-report: -f {f} is not valid YAML (line 2")
    g = tmp_path/'g.yaml'; g.write_text('[]\n')
    assert call(capsys, tmp_path, grid=str(g))[:2] == (2, 'visreg-report: the grid is empty; give a list of parameter sets, or a dict of parameter lists')
    g.write_text('dataset: [count\n')
    assert call(capsys, tmp_path, grid=str(g))[0] == 2
    (tmp_path/'afile').write_text('x')
    code, last, _ = call(capsys, tmp_path, dataset='count', out=str(tmp_path/'afile'))
    assert code == 2 and 'is a file, not a folder' in last
    code, last, _ = call(capsys, tmp_path, dataset='count', out='/sys/visreg-report')
    assert code == 2 and '/sys' in last
    ro = tmp_path/'ro'; ro.mkdir(); ro.chmod(0o555)
    try:
        if not os.access(ro, os.W_OK):  # root may write anywhere
            code, last, _ = call(capsys, tmp_path, dataset='count', out=str(ro/'rep'))
            assert code == 2 and 'is not writable' in last
    finally: ro.chmod(0o755)
    (data/'images'/'x.png').mkdir()
    csv = csv_with(data, 'dir.csv', lambda df: df.assign(fname=df.fname.where(df.index != 0, 'images/x.png')))
    code, last, _ = call(capsys, tmp_path, dataset=str(csv), Params=[['label_col', 'count']])
    assert code == 2 and "'images/x.png' is a folder" in last

def test_label_column_named_by_a_number(data):
    from visreg_nb.report import check_params
    csv = csv_with(data, 'five.csv', lambda df: df.rename(columns={'count': '5'}))
    assert check_params(dict(dataset=str(csv), label_col=5))['label_col'] == '5'   # `-p label_col 5`

def test_untrusted_learner_runs_no_code(tmp_path, capsys):
    "A pickle that would write a file when loaded: refused without trust_learner, and nothing runs."
    flag = tmp_path/'pwned'
    class Evil:
        def __reduce__(self): return (os.system, (f'touch {flag}',))
    (tmp_path/'evil.pkl').write_bytes(pickle.dumps(Evil()))
    code, last, _ = call(capsys, tmp_path, dataset='count', Params=[['learner_path', str(tmp_path/'evil.pkl')]], out=str(tmp_path/'out'))
    assert code == 2 and 'trust_learner true' in last and not flag.exists() and not (tmp_path/'out').exists()

def test_labels_near_float32_limits_train():
    "Labels around 1e38 (float32's largest is 3.4e38) train and give finite metrics: the targets stay float64."
    from visreg_nb.all import make_synthetic, RegressionDataLoaders, regression_learner
    sd = make_synthetic('size', n=80, size=32, seed=0)
    dls = RegressionDataLoaders.from_df(sd.df.assign(radius=sd.df.radius * 1e38), img_col='image', label_col='radius', valid_col='is_valid', bs=16)
    assert dls.target_spec.needs_float64
    learn = regression_learner(dls)
    with learn.no_logging(), learn.no_bar(): learn.fit(1, 1e-3)
    mae, base = learn.validate()[1], learn.validate()[4]
    assert np.isfinite(mae) and 0 < mae < 3 * base

# --- what was already handled well stays so -----------------------------------------------------------------------

def png_header(w, h)->bytes:
    "A PNG whose header claims w x h pixels (no pixel data): enough for Pillow's decompression-bomb check."
    import struct, zlib
    chunk = lambda t, d: struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
    return b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) + chunk(b'IEND', b'')

def _image(name, content):
    def edit(df, data):
        (data/'images'/name).write_bytes(content(data) if callable(content) else content)
        return df.assign(fname=df.fname.where(df.index != 3, f'images/{name}'))
    return edit

GOOD_CASES = {  # name: (edit(df, data folder) -> df, the message)
    'missing image': (lambda df, d: df.assign(fname=df.fname.where(df.index != 3, 'images/gone.png')), "image 'images/gone.png' is not in"),
    'empty image': (_image('empty.png', b''), 'row 3 (images/empty.png): unreadable image'),
    'truncated image': (_image('half.png', lambda d: (d/'images'/'00000.png').read_bytes()[:200]), 'row 3 (images/half.png): unreadable image'),
    'text as png': (_image('fake.png', b'hello, I am not a picture'), 'row 3 (images/fake.png): unreadable image'),
    'decompression bomb': (_image('bomb.png', png_header(20000, 20000)), 'row 3 (images/bomb.png): unreadable image'),
    'NaN label': (lambda df, d: df.assign(count=df['count'].where(df.index != 4, np.nan)), "row 4 (images/00004.png): label 'count' is NaN"),
    'inf label': (lambda df, d: df.assign(count=df['count'].where(df.index != 4, np.inf)), "row 4 (images/00004.png): label 'count' is inf"),
    'text label': (lambda df, d: df.assign(count=df['count'].astype(object).where(df.index != 4, 'seven')), "row 4 holds 'seven'); choose a numeric label column"),
    'constant labels': (lambda df, d: df.assign(count=3), "have zero or undefined spread in the training rows"),
    'no training rows': (lambda df, d: df.assign(is_valid=True), "empty training split: all 40 rows left have valid_col 'is_valid' True"),
}

@pytest.mark.parametrize('case', list(GOOD_CASES))
def test_bad_rows_stay_caught(case, data, capsys, tmp_path):
    edit, msg = GOOD_CASES[case]
    csv = csv_with(data, 'bad.csv', lambda df: edit(df, data))
    code, last, err = call(capsys, tmp_path, dataset=str(csv), Params=[['label_col', 'count']])
    assert code == 2 and msg in err, err
    assert not (tmp_path/'out').exists()
