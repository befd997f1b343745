import functools
import http.server
import io
import os
import pathlib
import subprocess
import sys
import tarfile
import threading

import pytest

# Before any test module imports mxnet (the book's d2l does): d2lsent.mxnet sets up
# MXNet's threads (denormals flushed, OMP_NUM_THREADS), which take their mode at start.
from d2lsent import mxnet as _  # noqa: F401
from d2lsent import download, imdb

ROOT = pathlib.Path(__file__).resolve().parents[1]


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
    """A run folder of a small model trained by the command line (PyTorch, 2,000 reviews
    cut to 100 tokens, 3 epochs): shared by the tests, trained once per session."""
    from d2lsent.__main__ import main
    out = tmp_path_factory.mktemp('smoke-run')
    assert main(['train', '--limit', '2000', '--num-steps', '100', '--epochs', '3',
                 '--valid-size', '200', '--out', str(out)]) == 0
    return out


@pytest.fixture(scope='session')
def embedding():
    """The packaged GloVe 6B-50d vectors."""
    from d2lsent.glove import TokenEmbedding
    return TokenEmbedding()


@pytest.fixture
def fresh_python():
    """``fresh_python(code, NAME=value, ...)``: what ``code`` prints, as words, in a fresh
    Python with these environment variables set (a value of None unsets one)."""
    def run(code, **settings):
        env = {k: v for k, v in os.environ.items() if k not in settings}
        env.update({k: v for k, v in settings.items() if v is not None})
        return subprocess.run([sys.executable, '-c', code], env=env, capture_output=True,
                              text=True, check=True).stdout.split()
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
