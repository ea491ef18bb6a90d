import os, sys
from pathlib import Path
import pytest

REPO = Path(__file__).resolve().parents[1]

@pytest.fixture
def repo(): return REPO

@pytest.fixture
def venv_bin():
    "The bin folder of the environment running the tests (the repo's .venv under `make test`)."
    return Path(sys.executable).parent
