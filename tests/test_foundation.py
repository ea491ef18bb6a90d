"Checks of what `make test` and the repo layout promise, run on a copy of the repo in tmp_path."
import configparser, shutil, subprocess
from pathlib import Path
import pytest
from visreg_nb.core import DEFAULT_SETTINGS, settings

def _copy_repo(repo, dest):
    for name in ['nbs', 'visreg_nb', 'pyproject.toml', 'settings.ini', 'setup.py', 'Makefile', 'README.md']:
        src = repo/name
        if src.is_dir(): shutil.copytree(src, dest/name, ignore=shutil.ignore_patterns('__pycache__', '.ipynb_checkpoints'))
        else: shutil.copy(src, dest/name)
    return dest

def _make(target, cwd, venv_bin):
    return subprocess.run(['make', '--no-print-directory', target, f'VENV={venv_bin.parent}'], cwd=cwd,
                          capture_output=True, text=True, timeout=300)

def test_packaged_defaults_equal_settings_ini(repo):
    cp = configparser.ConfigParser(); cp.read(repo/'settings.ini')
    assert {k: type(DEFAULT_SETTINGS[k])(v) for k, v in cp['visreg'].items()} == DEFAULT_SETTINGS

def test_settings_outside_repo_uses_packaged_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path/'settings.ini').write_text('[visreg]\nimg_size = 48\n')
    assert settings()['img_size'] == 48
    monkeypatch.setenv('VISREG_SEED', '3')
    assert settings()['seed'] == 3

def test_hand_edit_of_library_fails_export_stage(repo, tmp_path, venv_bin):
    work = _copy_repo(repo, tmp_path)
    ok = _make('check-export', work, venv_bin)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    core = work/'visreg_nb'/'core.py'
    core.write_text(core.read_text() + '\n# a hand edit\n')
    bad = _make('check-export', work, venv_bin)
    assert bad.returncode != 0
    assert 'library and notebooks differ: edit the notebook, then nbdev-export' in bad.stdout
    assert 'core.py' in bad.stdout

def test_unclean_notebook_fails_clean_stage(repo, tmp_path, venv_bin):
    import json
    work = _copy_repo(repo, tmp_path)
    nb = work/'nbs'/'00_core.ipynb'
    d = json.loads(nb.read_text()); d['cells'][0]['metadata']['scrolled'] = True; d['cells'][0]['execution_count'] = 7
    nb.write_text(json.dumps(d))
    bad = _make('check-clean', work, venv_bin)
    assert bad.returncode != 0 and 'notebooks were not clean' in bad.stdout

def test_stale_readme_fails(repo, tmp_path, venv_bin):
    work = _copy_repo(repo, tmp_path)
    assert _make('check-readme', work, venv_bin).returncode == 0
    (work/'README.md').write_text((work/'README.md').read_text() + '\nhand edit\n')
    bad = _make('check-readme', work, venv_bin)
    assert bad.returncode != 0 and "make readme" in bad.stdout
