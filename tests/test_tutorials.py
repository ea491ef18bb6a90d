"""The ten lessons in nbs/tutorials (`make test` also runs each one, in smoke settings, through nbdev-test).
Here: every lesson has its goals first, one `parameters` cell with `smoke`, and an exercise whose check accepts the
lesson's own solution (nbs/07_course.ipynb tests that each check rejects a plausible wrong answer)."""
from pathlib import Path
import pytest, nbformat
from visreg_nb import course

TUTORIALS = Path(__file__).resolve().parents[1]/'nbs'/'tutorials'
LESSONS = {'01_regression_vs_classification': 'check_r2', '02_preparing_labels': 'check_angle_decode',
           '03_losses_noisy_labels': 'check_huber', '04_keypoints': 'check_keypoint_error', '05_gradcam': 'check_gradcam',
           '06_shap_ig_trust': 'check_pointing', '07_error_analysis': 'check_flag_suspects', '08_multitask': 'check_multitask_loss',
           '09_uncertainty_drift': 'check_conformal', '10_deploy_onnx': 'check_quantization_cost'}

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
    with pytest.raises(course.WrongAnswer): check(42)                     # not a function
    ns = {}
    exec('import math\nimport numpy as np, torch\nimport torch.nn.functional as F\nfrom visreg_nb.course import *\n'
         + _solution_cell(_cells(name), LESSONS[name]), ns)                   # the lesson's own solution passes
    assert 'Correct!' in capsys.readouterr().out

def test_papermill_infers_every_parameter():
    "papermill reads the parameters cell of the report and of each lesson: every assigned name, none lost to a comment."
    import ast
    from papermill.inspection import _infer_parameters
    from papermill.iorw import load_notebook_node
    for f in [TUTORIALS.parent/'reports'/'regression_report.ipynb'] + sorted(TUTORIALS.glob('*.ipynb')):
        nb = load_notebook_node(str(f))   # as `papermill --help-notebook` reads it
        cell = next(c for c in nb.cells if 'parameters' in c.metadata.get('tags', []))
        assigned = [t.id for node in ast.parse(cell.source).body if isinstance(node, ast.Assign) for t in node.targets]
        assert [p.name for p in _infer_parameters(nb, name='python3', language='python')] == assigned, f.name
