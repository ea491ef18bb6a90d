# Jupyter server config for this project's venv: `make lab` copies it to .venv/etc/jupyter/jupyter_server_config.py.
# It installs nbdev's pre-save hook, so a notebook saved in JupyterLab is written as `nbdev-clean` leaves it (no
# execution counts, no notebook or cell metadata beyond what pyproject.toml allows) and `make test`'s check-clean passes.
# The hook acts only on notebooks of an nbdev project whose pyproject.toml says `jupyter_hooks = true` (this one does).
# nbdev's own installer, `nbdev-install-hooks`, writes the same hook into ~/.jupyter, for every Jupyter of the user;
# this file applies only to Jupyter started from this venv. Delete it to turn the hook off.
import os, warnings

def nbdev_clean_jupyter(model, path, contents_manager, **kwargs):
    "nbdev's `clean_jupyter`, given the notebook's path on disk (Jupyter passes it relative to its root, e.g. nbs/)."
    try: from nbdev.clean import clean_jupyter
    except ModuleNotFoundError: return
    get_os_path = getattr(contents_manager, '_get_os_path', None)   # nbdev finds pyproject.toml by walking up from the path
    os_path = get_os_path(path) if get_os_path else path
    try: clean_jupyter(path=os_path, model=model, contents_manager=contents_manager, **kwargs)
    except FileNotFoundError:
        # a new notebook: nbdev has cleaned `model` already, then its trust step reads the file, which is not written yet
        if os.path.exists(os_path): raise

c.ContentsManager.pre_save_hook = nbdev_clean_jupyter
# JupyterLab's extension loading applies the config a second time; the hook replacing itself is not news
warnings.filterwarnings('ignore', message=r'Overriding existing pre_save_hook \(nbdev_clean_jupyter\)')
