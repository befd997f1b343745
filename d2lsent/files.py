"""Writing files so that a crash never leaves half a file under the final name, and
reading files with bounds: only regular files, sizes checked before anything is read."""
import contextlib
import io
import json
import math
import os
import pathlib
import stat
import tempfile
import zipfile
import zlib

import numpy as np

MAX_JSON_BYTES = 64 * 2**20  # run files and reports take kilobytes
MAX_NPZ_FILE_BYTES = 2**30  # the largest model's resume.npz (3 x MAX_PARAMETERS floats) fits
MAX_NPZ_MEMBERS = 10_000  # a checkpoint holds 19 arrays, a resume.npz about 60
NPY_HEADER_BYTES = 2**14  # an .npy header (shape, dtype): numpy reads at most 10,000 bytes

# What reading a damaged, truncated or foreign .npz can raise (zipfile, zlib, numpy).
_NPZ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError, KeyError,
               RuntimeError)


class UnreadableFile(ValueError):
    """A file that is refused: the message names it, ``reason`` says why and what to do."""

    def __init__(self, path, what, reason):
        super().__init__(sentence(f'Cannot read {what} {path}: {reason}'))
        self.path, self.reason = path, reason


def sentence(text):
    """``text`` ending with a full stop, unless it ends with one, ``?`` or ``!`` already."""
    return text if text.endswith(('.', '?', '!')) else text + '.'


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


def check_regular_file(path, max_bytes, what='file'):
    """``path`` as a ``Path``, if it is a regular file of at most ``max_bytes`` bytes;
    else an ``UnreadableFile`` (a ``ValueError``) that names it as ``what`` (a FIFO would
    block the reader, a device such as /dev/zero never ends)."""
    path = pathlib.Path(path)
    try:
        info = path.stat()
    except FileNotFoundError as e:
        raise UnreadableFile(path, what, 'it does not exist; check the path') from e
    except OSError as e:
        raise UnreadableFile(path, what, e.strerror) from e
    if not stat.S_ISREG(info.st_mode):
        raise UnreadableFile(path, what, f'it is {_kind(info.st_mode)}, not a regular '
                                         f'file; give the path of a file')
    if info.st_size > max_bytes:
        raise UnreadableFile(path, what, f'it has {info.st_size:,} bytes, more than the '
                                         f'{max_bytes:,} d2lsent reads; is it the right file?')
    return path


def _kind(mode):
    """What a file that is not a regular one is, in words."""
    kinds = [(stat.S_ISDIR, 'a folder'), (stat.S_ISFIFO, 'a FIFO (named pipe)'),
             (stat.S_ISCHR, 'a character device'), (stat.S_ISBLK, 'a block device'),
             (stat.S_ISSOCK, 'a socket')]
    return next((name for test, name in kinds if test(mode)), 'a special file')


def read_json(path, what='JSON file'):
    """The JSON value in the file ``path`` (a regular file of at most ``MAX_JSON_BYTES``);
    a missing, unreadable or invalid file is a ``ValueError`` that names it."""
    path = check_regular_file(path, MAX_JSON_BYTES, what)
    try:
        return json.loads(path.read_text())
    except OSError as e:
        raise UnreadableFile(path, what, e.strerror) from e
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise UnreadableFile(path, what, f'it is not valid JSON ({e}); is it the right '
                                         f'file?') from e


def read_npz(path, max_bytes, names=None, what='.npz file'):
    """``{name: array}`` of the arrays ``names`` (default: all) of the ``.npz`` file
    ``path``, read without pickles (no code runs from the file).

    Before any array is read, the zip's list of members is checked: a member, or the
    members named together, that unpack to more than ``max_bytes`` bytes are refused
    (a small file can hold a huge run of zeros), and so is an array whose header
    declares more data than its member holds. Every refusal, and a damaged, truncated
    or foreign file, is an ``UnreadableFile`` (a ``ValueError``) that names the file.
    Read a small member first (``names=['__header__']``) to decide the bound for the rest.
    """
    with _open_npz(path, what) as (path, z):
        members = _chosen(path, what, z, names)
        _check_sizes(path, what, members, max_bytes)
        return {name: _read_npy(path, what, z, name, info) for name, info in members.items()}


def npz_shapes(path, what='.npz file'):
    """``{name: shape}`` of every array of the ``.npz`` file ``path``, from the header at
    the start of each member (the arrays themselves are not read)."""
    with _open_npz(path, what) as (path, z):
        return {name: _npy_header(z, info)[0] for name, info in _chosen(path, what, z).items()}


@contextlib.contextmanager
def _open_npz(path, what):
    """The regular file ``path`` (at most ``MAX_NPZ_FILE_BYTES``) opened as a zip; what
    a damaged or foreign file raises becomes one ``UnreadableFile``."""
    path = check_regular_file(path, MAX_NPZ_FILE_BYTES, what)
    try:
        with zipfile.ZipFile(path) as z:
            yield path, z
    except UnreadableFile:
        raise
    except _NPZ_ERRORS as e:
        raise UnreadableFile(path, what, f'it is not a complete .npz file '
                                         f'({type(e).__name__}: {e}); is it truncated, or '
                                         f'another kind of file?') from e


def _chosen(path, what, z, names=None):
    """``{array name: ZipInfo}`` of the members ``names`` (default: every member)."""
    if len(z.infolist()) > MAX_NPZ_MEMBERS:
        raise UnreadableFile(path, what, f'it has {len(z.infolist()):,} arrays, more than '
                                         f'the {MAX_NPZ_MEMBERS:,} d2lsent reads')
    members = {info.filename.removesuffix('.npy'): info for info in z.infolist()}
    missing = [name for name in names or () if name not in members]
    if missing:
        raise UnreadableFile(path, what, f"it has no array {', '.join(missing)}")
    return members if names is None else {name: members[name] for name in names}


def _check_sizes(path, what, members, max_bytes):
    """Refuse a member, or all of ``members`` together, larger than ``max_bytes``
    unpacked, from the sizes the zip's directory records (nothing is read)."""
    for name, info in members.items():
        if info.file_size > max_bytes:
            raise UnreadableFile(path, what, f'its array {name} unpacks to '
                                             f'{info.file_size:,} bytes, more than the '
                                             f'{max_bytes:,} it may hold')
    total = sum(info.file_size for info in members.values())
    if total > max_bytes:
        raise UnreadableFile(path, what, f'its arrays unpack to {total:,} bytes together, '
                                         f'more than the {max_bytes:,} it may hold')


def _npy_header(z, info):
    """``(shape, dtype)`` that the ``.npy`` member ``info`` declares, from its first
    ``NPY_HEADER_BYTES`` only."""
    with z.open(info) as f:
        start = io.BytesIO(f.read(NPY_HEADER_BYTES))
    version = np.lib.format.read_magic(start)
    readers = {(1, 0): np.lib.format.read_array_header_1_0,
               (2, 0): np.lib.format.read_array_header_2_0}
    if version not in readers:
        raise ValueError(f'.npy format version {version} is not supported')
    shape, _, dtype = readers[version](start)
    return shape, dtype


def _read_npy(path, what, z, name, info):
    """The array in the member ``info``, once its header is found to fit in the member
    (numpy allocates what the header declares before it reads)."""
    shape, dtype = _npy_header(z, info)
    if dtype.hasobject:
        raise UnreadableFile(path, what, f'its array {name} holds Python objects (a pickle), '
                                         f'which d2lsent never loads: no code runs from a '
                                         f'file')
    declared = math.prod(shape) * dtype.itemsize
    if declared > info.file_size:
        raise UnreadableFile(path, what, f'its array {name} declares {declared:,} bytes '
                                         f'but holds {info.file_size:,}; is it damaged?')
    with z.open(info) as f:
        return np.lib.format.read_array(f, allow_pickle=False)
