"`make report`'s command: real metrics from the package, no overwrite without --force."
import json, subprocess, sys

def _run(out, *extra):
    return subprocess.run([sys.executable, '-m', 'visreg_nb.quickstart', '--out', str(out), '--n', '200', '--epochs', '1', *extra],
                          capture_output=True, text=True, timeout=300)

def test_quickstart_writes_metrics_and_refuses_overwrite(tmp_path):
    out = tmp_path/'demo'
    r = _run(out)
    assert r.returncode == 0, r.stderr
    m = json.loads((out/'metrics.json').read_text())
    assert m['dataset'] == 'digits' and m['target'] == ['angle'] and m['n_items'] == 200
    assert 0 < m['metrics']['mae'] < 90 and m['metrics']['baseline_mae'] > 0
    assert 'mae' in r.stdout and str(out/'metrics.json') in r.stdout
    again = _run(out)
    assert again.returncode != 0 and '--force' in again.stderr
    assert json.loads((out/'metrics.json').read_text()) == m
    assert _run(out, '--force').returncode == 0
