"""The ten lessons in nbs/tutorials (`make test` also runs each one, in smoke settings, through nbdev-test).
Here: every lesson has its goals first, one `parameters` cell with `smoke`, and an exercise whose check rejects a wrong
answer and accepts the lesson's own solution."""
from pathlib import Path
import math
import numpy as np, torch, pytest, nbformat
import torch.nn.functional as F
from visreg_nb import course

TUTORIALS = Path(__file__).resolve().parents[1]/'nbs'/'tutorials'
LESSONS = {'01_regression_vs_classification': 'check_r2', '02_preparing_labels': 'check_angle_decode',
           '03_losses_noisy_labels': 'check_huber', '04_keypoints': 'check_keypoint_error', '05_gradcam': 'check_gradcam',
           '06_shap_ig_trust': 'check_pointing', '07_error_analysis': 'check_flag_suspects', '08_multitask': 'check_multitask_loss',
           '09_uncertainty_drift': 'check_conformal', '10_deploy_onnx': 'check_quantization_cost'}
# a plausible mistake for each exercise
WRONG = {'check_r2': lambda p, t: np.corrcoef(p, t)[0, 1]**2,
         'check_angle_decode': lambda s, c: np.degrees(np.arctan(s/c)),
         'check_huber': lambda r, d: 0.5*r**2,
         'check_keypoint_error': lambda p, t: np.abs(p - t).mean((0, 2)),
         'check_gradcam': lambda a, g: (g.mean((1, 2))[:, None, None]*a).sum(0).relu(),
         'check_pointing': lambda m, k: k.flatten(1).gather(1, m.abs().flatten(1).argmax(1, keepdim=True)).float().mean(),
         'check_flag_suspects': lambda y, p, k: np.argsort(-(y - p))[:k],
         'check_multitask_loss': lambda p, y, l, c, w: F.mse_loss(p, y) + w*F.cross_entropy(l.softmax(1), c),
         'check_conformal': lambda s, a: np.quantile(s, 1 - a),
         'check_quantization_cost': lambda y, a, b: np.abs(b - a).mean()}

def _cells(name): return nbformat.read(TUTORIALS/f'{name}.ipynb', as_version=4).cells

def _solution_cell(cells, check):
    i = next(i for i, c in enumerate(cells) if c.cell_type == 'markdown' and c.source.startswith('## Solution'))
    return next(c.source for c in cells[i+1:] if c.cell_type == 'code' and f'{check}(' in c.source)

def test_ten_lessons():
    assert sorted(p.stem for p in TUTORIALS.glob('*.ipynb')) == sorted(LESSONS)

@pytest.mark.parametrize('name', LESSONS)
def test_lesson_shape(name):
    cells, check = _cells(name), LESSONS[name]
    assert cells[0].cell_type == 'markdown' and cells[0].source.startswith('# ')
    first_code = next(i for i, c in enumerate(cells) if c.cell_type == 'code')
    assert any('What you will learn' in c.source for c in cells[:first_code] if c.cell_type == 'markdown'), 'learning goals come first'
    params = [c for c in cells if 'parameters' in c.metadata.get('tags', [])]
    assert len(params) == 1 and 'smoke = True' in params[0].source
    ex = next(i for i, c in enumerate(cells) if c.cell_type == 'code' and c.source.startswith('answer = ...'))
    assert cells[ex+1].cell_type == 'code' and cells[ex+1].source.strip() == f'{check}(answer)'
    assert f'{check}(' in _solution_cell(cells, check)

@pytest.mark.parametrize('name', LESSONS)
def test_exercise_check(name, capsys):
    check = getattr(course, LESSONS[name])
    assert check(...) is None and 'Not answered yet' in capsys.readouterr().out
    with pytest.raises(course.WrongAnswer, match='Hint'): check(WRONG[LESSONS[name]])
    with pytest.raises(course.WrongAnswer): check(42)                     # not a function
    ns = {}
    exec('import math\nimport numpy as np, torch\nimport torch.nn.functional as F\nfrom visreg_nb.course import *\n'
         + _solution_cell(_cells(name), LESSONS[name]), ns)                   # the lesson's own solution passes
    assert 'Correct!' in capsys.readouterr().out
