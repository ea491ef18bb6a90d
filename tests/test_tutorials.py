"""The lessons in nbs/tutorials, every one listed in LESSONS (`make test` also runs each one, in smoke settings, through nbdev-test).
Here: every lesson has its goals first, one `parameters` cell with `smoke`, an exercise whose check accepts the
lesson's own solution (nbs/07_course.ipynb tests that each check rejects a plausible wrong answer), and that solution at
the end, out of the student's way, never repeated by a hint. Every notebook in nbs/ stores no warnings and no machine
paths, and a notebook saved from JupyterLab is cleaned as nbdev-clean would (`make lab` installs the hook)."""
import json, re
from pathlib import Path
from types import SimpleNamespace
import pytest, nbformat
from visreg_nb import course

TUTORIALS = Path(__file__).resolve().parents[1]/'nbs'/'tutorials'
LESSONS = {'01_regression_vs_classification': 'check_r2', '02_preparing_labels': 'check_angle_decode',
           '03_losses_noisy_labels': 'check_huber', '04_keypoints': 'check_keypoint_error', '05_gradcam': 'check_gradcam',
           '06_shap_ig_trust': 'check_pointing', '07_error_analysis': 'check_flag_suspects', '08_multitask': 'check_multitask_loss',
           '09_uncertainty_drift': 'check_conformal', '10_deploy_onnx': 'check_quantization_cost',
           '11_label_explorer': 'check_share_found', '12_several_annotators': 'check_icc1',
           '13_annotation_import': 'check_task_count',
           '14_active_learning': 'check_area_ratio'}

def _cells(name): return nbformat.read(TUTORIALS/f'{name}.ipynb', as_version=4).cells

def _solution_cell(cells, check):
    i = next(i for i, c in enumerate(cells) if c.cell_type == 'markdown' and c.source.startswith('## Solution'))
    return next(c.source for c in cells[i+1:] if c.cell_type == 'code' and f'{check}(' in c.source)

def test_every_lesson_is_listed():
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
    heads = [i for i, c in enumerate(cells) if c.cell_type == 'markdown' and c.source.startswith('## ')]
    sol = next(i for i in heads if cells[i].source.startswith('## Solution'))
    assert sol == heads[-1] and sol > ex, 'the solution is the last section, after the exercise and what to remember'
    assert 'end of the lesson' in cells[ex-1].source, 'the exercise says where the solution is'

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

def _squash(s): return re.sub(r'\s+', '', s)

@pytest.mark.parametrize('name', LESSONS)
def test_hint_does_not_give_the_solution_away(name):
    "A wrong answer shows a few lines (not a traceback), and none of them is a line of the lesson's solution."
    check = getattr(course, LESSONS[name])
    with pytest.raises(course.WrongAnswer) as e: check(lambda *args: 0.1234)
    lines = e.value._render_traceback_()
    assert 2 <= len(lines) <= 4 and lines[0].startswith('✗ Not yet') and any(l.startswith('Hint: ') for l in lines)
    shown = _squash('\n'.join(lines))
    code = [re.sub(r'#.*', '', l).strip().removeprefix('return ') for l in _solution_cell(_cells(name), LESSONS[name]).splitlines()]
    code = [l for l in code if len(l) >= 12 and not l.startswith(('def ', 'check_', 'import '))]
    assert code, name
    for line in code: assert _squash(line) not in shown, (name, line)

NBS = TUTORIALS.parent
MACHINE_PATH = re.compile(r'/(work|root|home|tmp)/|site-packages|\.venv/')

def _stored_problems(path):
    "Outputs a reader should not get: warnings and errors (stderr, tracebacks), this machine's paths, and widget state (megabytes of the explorer's data that nbconvert stores)."
    nb = json.loads(path.read_text())
    if 'widgets' in nb['metadata']: yield "metadata: widget state; execute with --ExecutePreprocessor.store_widget_state=False"
    for i, cell in enumerate(nb['cells']):
        for out in cell.get('outputs', []):
            kind = out['output_type']
            if kind == 'error' or (kind == 'stream' and out.get('name') == 'stderr'):
                yield f"cell {i} ({cell.get('id')}): {kind} {out.get('name', out.get('ename', ''))}"
            text = ''.join(out['text']) if kind == 'stream' else json.dumps(out.get('data', {}))
            if m := MACHINE_PATH.search(text): yield f"cell {i} ({cell.get('id')}): machine path {m.group(0)!r}"

def test_stored_outputs_have_no_warnings_or_machine_paths():
    nbs = sorted(p for p in NBS.rglob('*.ipynb') if '.ipynb_checkpoints' not in p.parts)
    assert len(nbs) > 20
    problems = [f"{p.relative_to(NBS)} {msg}" for p in nbs for msg in _stored_problems(p)]
    assert not problems, ("stored outputs with warnings or machine paths; fix the cause (or clear that output), "
                          "re-run the notebook, then `make clean-nbs`:\n" + "\n".join(problems))

def test_jupyter_save_hook_cleans_like_nbdev_clean(repo):
    "The hook `make lab` installs, called as Jupyter calls it (a path relative to its root, nbs/), cleans the notebook."
    from traitlets.config import Config
    from nbdev.clean import clean_nb
    from nbdev.config import get_config
    ns = {'c': Config()}
    exec(compile((repo/'jupyter_server_config.py').read_text(), 'jupyter_server_config.py', 'exec'), ns)
    hook = ns['c'].ContentsManager.pre_save_hook
    dirty = lambda: {'nbformat': 4, 'nbformat_minor': 5, 'metadata': {'kernelspec': {'name': 'python3', 'display_name': 'Python 3 (ipykernel)'},
                                                                        'language_info': {'name': 'python'}},
                     'cells': [{'cell_type': 'code', 'id': 'a1', 'execution_count': 3, 'source': '1 + 1',
                                'metadata': {'scrolled': True, 'ExecuteTime': {}, 'tags': ['keep']},
                                'outputs': [{'output_type': 'execute_result', 'execution_count': 3, 'metadata': {}, 'data': {'text/plain': '2'}}]}]}
    model = {'type': 'notebook', 'content': dirty()}
    cm = SimpleNamespace(_get_os_path=lambda p: str(repo/'nbs'/p))
    hook(model=model, path='_not_there/new.ipynb', contents_manager=cm)   # a new notebook: no file on disk yet, nothing written
    cfg = get_config(path=repo/'nbs')
    assert cfg.jupyter_hooks, 'pyproject.toml: [tool.nbdev] jupyter_hooks = true, or the hook does nothing'
    expected = dirty()
    clean_nb(expected, allowed_cell_metadata_keys=cfg.allowed_cell_metadata_keys, clean_ids=cfg.clean_ids)
    assert model['content'] == expected
    cell = model['content']['cells'][0]
    assert cell['execution_count'] is None and cell['metadata'] == {'tags': ['keep']} and 'language_info' not in model['content']['metadata']
    assert not (repo/'nbs'/'_not_there').exists()
