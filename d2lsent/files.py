"""Writing files so that a crash never leaves half a file under the final name."""
import contextlib
import json
import os
import pathlib
import tempfile


@contextlib.contextmanager
def atomic_write(path, mode='w', suffix='.part'):
    """Open a temporary file beside ``path`` for writing; rename it to ``path`` at the end.

    If the block raises, the temporary file is removed and ``path`` is untouched. The
    file gets the permissions the umask gives a new file (``mkstemp`` alone: 0600).
    """
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f'.{path.name}.', suffix=suffix)
    os.fchmod(fd, 0o666 & ~current_umask())
    try:
        with os.fdopen(fd, mode) as f:
            yield f
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def current_umask():
    """The process's umask (reading it means setting it: set it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def make_writable_folder(folder):
    """Create ``folder`` if needed and check that a file can be written there: an
    ``OSError`` (a file in the way, no permission) now, not after the work is done."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tempfile.TemporaryFile(dir=folder).close()
    return folder


def read_json(path):
    """The JSON value in the file ``path``; a missing, unreadable or invalid file is a
    ``ValueError`` that names it."""
    try:
        return json.loads(pathlib.Path(path).read_text())
    except FileNotFoundError as e:
        raise ValueError(f'{path} is missing.') from e
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f'{path} cannot be read as JSON ({e}).') from e
