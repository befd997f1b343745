import functools
import http.server
import importlib
import importlib.util
import io
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import threading

import pytest

from d2lsent import download, imdb

ROOT = pathlib.Path(__file__).resolve().parents[1]

# Tests that read the real IMDb data (a fixture gives it) are marked 'data'; with
# 'slow' (a fresh Python or a training launch), `make test-fast` leaves them out.
DATA_FIXTURES = {'imdb_data', 'smoke_run', 'small_cache', 'embedding', 'run_folder', 'pair'}

# What the optional extras bring (pyproject.toml): tests that need one are marked with
# its name (in the test, or by a fixture below) and skipped, with the reason, without it.
HAVE = {'mxnet': importlib.util.find_spec('mxnet') is not None,
        'd2l': importlib.util.find_spec('d2l') is not None
        and importlib.util.find_spec('mxnet') is not None}  # d2l.mxnet: the book's code
MISSING = {'mxnet': "needs MXNet 1.9.1: the [mxnet] extra, on Python 3.11 (make env)",
           'd2l': "needs the book's d2l 1.0.3 and MXNet: the [d2l,mxnet] extras, on Python "
                  '3.11 (make env)'}
EXTRA_FIXTURES = {'mxnet_backend': 'mxnet', 'book_d2l': 'd2l'}


def pytest_collection_modifyitems(items):
    for item in items:
        fixtures = set(getattr(item, 'fixturenames', ()))
        if DATA_FIXTURES & fixtures:
            item.add_marker(pytest.mark.data)
        if 'fresh_python' in fixtures:
            item.add_marker(pytest.mark.slow)
        for fixture in EXTRA_FIXTURES.keys() & fixtures:
            item.add_marker(EXTRA_FIXTURES[fixture])
        for extra in HAVE:
            if item.get_closest_marker(extra) and not HAVE[extra]:
                item.add_marker(pytest.mark.skip(reason=MISSING[extra]))


def needs(extra):
    """At the top of a test module whose every test needs ``extra``: skip the module,
    with the reason, where the extra is missing (never collect it only to crash)."""
    if not HAVE[extra]:
        pytest.skip(MISSING[extra], allow_module_level=True)
    return getattr(pytest.mark, extra)


@pytest.fixture(scope='session')
def mxnet_backend():
    """``d2lsent.mxnet``, set up (tests using it are marked 'mxnet')."""
    from d2lsent import backend
    return backend.load('mxnet')


@pytest.fixture(scope='session')
def book_d2l():
    """The book's own ``d2l.mxnet`` (d2l 1.0.3; tests using it are marked 'd2l')."""
    from d2lsent import bookcode
    return bookcode.d2l_module('mxnet')


def _real_data_available():
    return ((download.cache_dir() / 'aclImdb').is_dir()
            or bool(os.environ.get(download.MIRROR_ENV)))


@pytest.fixture(scope='session')
def imdb_data():
    """The real IMDb arrays (needs the cache or $D2LSENT_MIRROR, as in CI)."""
    if not _real_data_available():
        pytest.fail(f'The IMDb data is neither cached nor mirrored: set '
                    f'{download.MIRROR_ENV} (make test does, from ../shared/data).')
    return imdb.load_imdb()


@pytest.fixture(scope='session')
def smoke_run(tmp_path_factory, imdb_data):
    """A run folder of a small model trained by the command line (PyTorch, the preset
    best at the rate 0.01, which learns within a smoke run: 2,000 reviews cut to 100
    tokens, 2 epochs): shared by the tests, trained once per session."""
    from d2lsent.__main__ import main
    out = tmp_path_factory.mktemp('smoke-run')
    assert main(['train', '--limit', '2000', '--num-steps', '100', '--epochs', '2',
                 '--valid-size', '200', '--lr', '0.01', '--out', str(out)]) == 0
    return out


@pytest.fixture(scope='session')
def small_cache(tmp_path_factory, imdb_data):
    """A cache whose aclImdb holds the first 300 reviews of each class and split (with
    their movies), so that every process of a launch reads it in a moment."""
    source = download.download_extract('aclImdb')
    cache = tmp_path_factory.mktemp('cache')
    for split in ('train', 'test'):
        for label in ('pos', 'neg'):
            (cache / 'aclImdb' / split / label).mkdir(parents=True)
            for name in sorted(os.listdir(source / split / label))[:300]:
                shutil.copy(source / split / label / name, cache / 'aclImdb' / split / label)
            shutil.copy(source / split / f'urls_{label}.txt', cache / 'aclImdb' / split)
    (cache / 'aclImdb' / download.MARKER).write_text('300 reviews of each class and split\n')
    return cache


def use_cache(monkeypatch, cache):
    """Let this process read its data from ``cache`` (``small_cache``), not the mirror."""
    monkeypatch.setenv('D2LSENT_CACHE', str(cache))
    monkeypatch.delenv(download.MIRROR_ENV, raising=False)


def assert_same_metrics(alone, together):
    """The per-epoch records of one process (``alone``) and of one process of a launch
    (``together``): the same metrics, within float rounding (a review or so may flip)."""
    for a, b in zip(alone, together, strict=True):
        assert b['train_loss'] == pytest.approx(a['train_loss'], rel=1e-3)
        for key in ('train_acc', 'valid_acc', 'test_acc'):
            assert abs(a[key] - b[key]) <= 0.01, (key, a, b)


LAUNCH_TIMEOUT_S = 300  # far beyond a normal launch: only a hang reaches it


def launch(command, cache):
    """Run a launcher ``command`` (torchrun, MXNet's) on the data of ``cache``, one thread
    per process, stopped after ``LAUNCH_TIMEOUT_S`` seconds: the finished process."""
    # One thread per process (what torchrun sets, unless the caller's environment sets
    # more, as d2lsent.mxnet does in this process: two cores shared by twice their threads
    # train many times slower).
    env = dict(os.environ, D2LSENT_CACHE=str(cache), D2LSENT_DIST_TIMEOUT='60',
               OMP_NUM_THREADS='1')
    env.pop(download.MIRROR_ENV, None)
    # A session of its own, so that a launch that hangs is stopped with its workers
    # (subprocess.run's timeout would kill the launcher only and wait for its workers).
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, start_new_session=True) as launched:
        try:
            stdout, stderr = launched.communicate(timeout=LAUNCH_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(launched.pid, signal.SIGKILL)
            launched.communicate()
            pytest.fail(f'The launch did not finish in {LAUNCH_TIMEOUT_S} s: '
                        f'{" ".join(command)}')
    # Progress bars redraw with carriage returns: keep each line's last state, so that
    # an error stays within the tail that a failed assertion shows.
    stderr = '\n'.join(line.rsplit('\r', 1)[-1] for line in stderr.splitlines())
    return subprocess.CompletedProcess(command, launched.returncode, stdout, stderr)


def free_port():
    """A TCP port on 127.0.0.1 that no process listens on now."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture(scope='session')
def embedding():
    """The packaged GloVe 6B-50d vectors."""
    from d2lsent.glove import TokenEmbedding
    return TokenEmbedding()


@pytest.fixture
def fresh_python():
    """``fresh_python(code, *args, NAME=value, ...)``: what ``code`` prints, as words, in
    a fresh Python given ``args`` (``sys.argv[1:]``) with these environment variables set
    (a value of None unsets one)."""
    def run(code, *args, **settings):
        env = {k: v for k, v in os.environ.items() if k not in settings}
        env.update({k: v for k, v in settings.items() if v is not None})
        return subprocess.run([sys.executable, '-c', code, *args], env=env,
                              capture_output=True, text=True, check=True).stdout.split()
    return run


@pytest.fixture
def tmp_cache(tmp_path, monkeypatch):
    """An empty cache folder and no mirror."""
    cache = tmp_path / 'cache'
    monkeypatch.setenv(download.CACHE_ENV, str(cache))
    monkeypatch.delenv(download.MIRROR_ENV, raising=False)
    return cache


def make_tar(path, files, links=()):
    """A .tar.gz at ``path`` with ``{name: text}`` files and ``(name, target)`` symlinks."""
    with tarfile.open(path, 'w:gz') as tar:
        for name, text in files.items():
            data = text.encode('utf-8')
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in links:
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
    return path


class _Handler(http.server.SimpleHTTPRequestHandler):
    truncate = False

    def log_message(self, *args):
        pass

    def copyfile(self, source, outputfile):
        data = source.read()
        # A truncated download: the header promised all bytes, half arrive.
        outputfile.write(data[:len(data) // 2] if self.truncate else data)


@pytest.fixture
def http_server(tmp_path):
    """A local HTTP server on 127.0.0.1 serving ``tmp_path / 'www'``."""
    root = tmp_path / 'www'
    root.mkdir()

    def start(truncate=False):
        handler = type('Handler', (_Handler,), {'truncate': truncate})
        server = http.server.ThreadingHTTPServer(
            ('127.0.0.1', 0), functools.partial(handler, directory=str(root)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return root, f'http://127.0.0.1:{server.server_address[1]}/'

    servers = []
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
