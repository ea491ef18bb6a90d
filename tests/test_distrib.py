"""Data-parallel training through Accelerate on two CPU processes (gloo): `bench/ddp_train.py` under `accelerate launch`.
The validation predictions gathered from both processes cover every validation item once, in order, and equal those of
one process with the same weights; the metrics fastai reports are those of all the items."""
import json, os, shutil, subprocess, sys
from pathlib import Path
import numpy as np, pandas as pd, pytest, torch
from conftest import REPO, background

@pytest.mark.skipif(shutil.which('accelerate', path=str(Path(sys.executable).parent)) is None, reason='accelerate is not installed: pip install -e ".[dev]"')
@background
def test_two_cpu_processes_gather_every_item_once(tmp_path):
    from sklearn.metrics import mean_absolute_error
    from visreg_nb.all import make_synthetic, regression_learner, get_regression_preds
    env = {**os.environ, 'ACCELERATE_USE_CPU': '1', 'OMP_NUM_THREADS': '1', 'CUDA_VISIBLE_DEVICES': ''}
    cmd = [str(Path(sys.executable).parent/'accelerate'), 'launch', '--multi_gpu', '--num_processes', '2', '--num_machines', '1',
           '--mixed_precision', 'no', '--dynamo_backend', 'no', '--main_process_port', '0', str(REPO/'bench'/'ddp_train.py'), '--out', str(tmp_path)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-3000:]
    run = json.loads((tmp_path/'run.json').read_text())
    assert run['processes'] == 2
    got = pd.read_csv(tmp_path/'preds.csv')
    dls = make_synthetic('count', n=run['n'], size=run['size'], seed=0).dataloaders(bs=run['bs'], seed=0)
    learn = regression_learner(dls, arch='tiny_cnn', seed=0)
    learn.model.load_state_dict(torch.load(tmp_path/'weights.pt', weights_only=True))
    one = get_regression_preds(learn)
    valid_rows = dls.valid.items['_row'].tolist()
    assert got['_row'].tolist() == one['_row'].tolist() == valid_rows          # every validation item once, in order
    np.testing.assert_allclose(got['pred_count'], one['pred_count'], rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(got['count'], one['count'])
    assert run['metrics']['mae'] == pytest.approx(mean_absolute_error(got['count'], got['pred_count']), rel=1e-4)   # fastai's metric saw all items
