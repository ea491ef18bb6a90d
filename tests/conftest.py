import os, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
import pytest

REPO = Path(__file__).resolve().parents[1]

@pytest.fixture
def repo(): return REPO

@pytest.fixture
def venv_bin():
    "The bin folder of the environment running the tests (the repo's .venv under `make test`)."
    return Path(sys.executable).parent

# --- tests that wait on subprocesses run in the background -----------------------------------------------------------
# Most of a CLI test's time is a subprocess importing torch and running a report on one core, while pytest waits.
# A test marked @background runs in a worker thread from the start of the session and is reported last, so the
# in-process tests run meanwhile on the other core. Such a test takes only `tmp_path` (use REPO, not the `repo`
# fixture), and its subprocesses get cwd=START_DIR and env=START_ENV: the tests running meanwhile may chdir or setenv
# (monkeypatch) this process.
START_DIR, START_ENV = os.getcwd(), dict(os.environ)
_BACKGROUND_TIMES = {}

def background(test):
    "Run `test(tmp_path)` in the background from the start of the session (see above); the test here waits for it and re-raises its failure."
    def waits(background_results): return background_results[_key(test)].result()
    waits.__name__, waits.__qualname__, waits.__doc__, waits.__module__ = test.__name__, test.__qualname__, test.__doc__, test.__module__
    waits._background = test
    return waits

def _key(test): return f'{test.__module__}.{test.__name__}'

def _is_background(item): return getattr(getattr(item, 'obj', None), '_background', None) is not None

def pytest_collection_modifyitems(items):
    items.sort(key=_is_background)   # stable: the background tests last, each group in its own order

@pytest.fixture(scope='session', autouse=True)
def background_results(request, tmp_path_factory):
    "Start every selected @background test now, one at a time in one worker thread, in the order they are reported."
    def timed(name, test, tmp):
        start = time.time()
        try: return test(tmp)
        finally: _BACKGROUND_TIMES[name] = time.time() - start
    pool, futures = ThreadPoolExecutor(1, thread_name_prefix='background-test'), {}
    for item in request.session.items:
        if _is_background(item):
            futures[_key(item.obj._background)] = pool.submit(timed, item.nodeid, item.obj._background, tmp_path_factory.mktemp(item.name[:30], numbered=True))
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)

def pytest_terminal_summary(terminalreporter):
    if _BACKGROUND_TIMES:
        terminalreporter.write_sep('=', 'tests run in the background (see tests/conftest.py)')
        for name, secs in sorted(_BACKGROUND_TIMES.items(), key=lambda kv: -kv[1]): terminalreporter.write_line(f"{secs:7.2f}s {name}")
