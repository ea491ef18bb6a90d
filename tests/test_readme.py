"The code a newcomer copies from the README runs as written."
import re
import matplotlib
matplotlib.use('Agg')

def test_readme_python_snippet_runs(repo):
    text = (repo/'README.md').read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks, "README.md has no python example"
    ns = {}
    exec(compile(blocks[0], 'README.md', 'exec'), ns)
    learn = ns['learn']
    mae, base = learn.validate()[1], learn.validate()[4]
    assert mae < base, f"the README's model does not beat the mean predictor: MAE {mae} vs {base}"
