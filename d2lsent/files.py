"""Writing files so that a crash never leaves half a file under the final name."""
import contextlib
import os
import pathlib
import tempfile


@contextlib.contextmanager
def atomic_write(path, mode='w', suffix='.part'):
    """Open a temporary file beside ``path`` for writing; rename it to ``path`` at the end.

    If the block raises, the temporary file is removed and ``path`` is untouched.
    """
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f'.{path.name}.', suffix=suffix)
    try:
        with os.fdopen(fd, mode) as f:
            yield f
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
