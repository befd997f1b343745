"""Fetching the data sets: a registry of resources, a verified cache, an offline mirror.

Every archive is checked against a hash that this module pins before it is used,
whether it was just downloaded, found in the cache, or found in an offline mirror
(a mirror's ``SHA256SUMS`` vouches only for archives the registry does not know).
Archives may hold only files and folders inside their target (no links, devices or
FIFOs, no absolute or ``..`` paths), and are read to their end, so that a truncated
or corrupt archive is an error. Files are written to a temporary name and renamed
into place; an extracted folder counts only once it holds its marker, written last;
a lock lets one process at a time fetch and extract, and removes what a killed one
left behind. Nothing that this module did not make is ever removed: a folder that an
extraction makes holds an ownership marker from its first moment, and a folder in
the way without one is an error that names it.

Environment variables:

* ``D2LSENT_CACHE``: the cache folder (default ``~/.cache/d2lsent``, or
  ``$XDG_CACHE_HOME/d2lsent``).
* ``D2LSENT_MIRROR``: a folder of archives with a ``SHA256SUMS`` manifest
  (``sha256sum`` format), looked at before the network.
"""
import contextlib
import dataclasses
import fcntl
import gzip
import hashlib
import http.client
import os
import pathlib
import shutil
import stat
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
import zlib

from tqdm import tqdm

from .files import atomic_write, make_writable_folder

DATA_URL = 'http://d2l-data.s3-accelerate.amazonaws.com/'  # as in d2l 1.0.3
CACHE_ENV = 'D2LSENT_CACHE'
MIRROR_ENV = 'D2LSENT_MIRROR'
MARKER = '.d2lsent-complete'  # written last into an extracted folder: the archive's SHA-256
OWNED = '.d2lsent-partial'  # written first into a folder an extraction makes: ours to remove


@dataclasses.dataclass(frozen=True)
class Resource:
    """A remote archive: where it lives, its SHA-1, and the folder it unpacks to.

    ``mirror_names`` are the file names under which an offline mirror may hold
    it: the original (checked against ``sha1``), a re-pack whose SHA-256 is pinned
    in ``repacks`` (``(name, sha256)`` pairs), or another copy, which the mirror's
    ``SHA256SUMS`` must list.
    """
    name: str
    url: str
    sha1: str
    folder: str
    mirror_names: tuple = ()
    repacks: tuple = ()

    @property
    def filename(self):
        return self.url.rsplit('/', 1)[-1]


# URLs and SHA-1 hashes are d2l 1.0.3's ``DATA_HUB`` entries.
RESOURCES = {r.name: r for r in [
    Resource('aclImdb', DATA_URL + 'aclImdb_v1.tar.gz',
             '01ada507287d82875905620988597833ad4e0903', 'aclImdb',
             mirror_names=('aclImdb_v1.tar.gz', 'aclImdb_v1-labeled.tar.gz'),
             # The 50,000 labeled reviews, re-packed (../shared/data/README.md).
             repacks=(('aclImdb_v1-labeled.tar.gz',
                       '69d67dc228177f8465f7355a7ba792f8badb395005c733a140fd565027025ce9'),)),
    Resource('glove.6b.50d', DATA_URL + 'glove.6B.50d.zip',
             '0b8703943ccdb6eb788e6f091b8946e82231bc4d', 'glove.6B.50d',
             mirror_names=('glove.6B.50d.zip',)),
    Resource('glove.6b.100d', DATA_URL + 'glove.6B.100d.zip',
             'cd43bfb07e44e6f27cbcc7bc9ae3d80284fdaf5a', 'glove.6B.100d',
             mirror_names=('glove.6B.100d.zip',)),
]}


class DataError(RuntimeError):
    """A data file is missing, corrupt or unsafe; the message says what to do."""


def cache_dir():
    """The cache folder: ``$D2LSENT_CACHE``, else ``~/.cache/d2lsent``."""
    if os.environ.get(CACHE_ENV):
        return pathlib.Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get('XDG_CACHE_HOME') or pathlib.Path.home() / '.cache'
    return pathlib.Path(base) / 'd2lsent'


def file_hash(path, algorithm='sha1'):
    """Hex digest of a file, read in 1 MiB chunks."""
    digest = hashlib.new(algorithm)
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def _check_hash(path, expected, algorithm, origin):
    actual = file_hash(path, algorithm)
    if actual != expected:
        raise DataError(
            f'{algorithm.upper()} mismatch for {path} ({origin}): expected '
            f'{expected}, got {actual}. The file is corrupt, incomplete or another '
            f'version; replace it with the right file.')


def _resolve(resource):
    if isinstance(resource, Resource):
        return resource
    if resource not in RESOURCES:
        raise KeyError(f'Unknown resource {resource!r}; known: '
                       f'{", ".join(sorted(RESOURCES))}')
    return RESOURCES[resource]


def _read_manifest(mirror):
    """``{file name: sha256}`` from a mirror's ``SHA256SUMS``."""
    manifest = mirror / 'SHA256SUMS'
    if not manifest.is_file():
        raise DataError(f'{MIRROR_ENV}={mirror} has no SHA256SUMS manifest; '
                        f'create one with `sha256sum * > SHA256SUMS` there.')
    sums = {}
    for number, line in enumerate(manifest.read_text(errors='replace').splitlines(), 1):
        if line.strip():
            fields = line.split(maxsplit=1)
            if len(fields) != 2 or len(fields[0]) != 64:
                raise DataError(f'{manifest}, line {number}, is not "SHA256  file name": '
                                f'{line[:80]!r}; recreate it with `sha256sum * > SHA256SUMS`.')
            sums[fields[1].lstrip('*')] = fields[0].lower()
    return sums


def _from_mirror(resource):
    """The verified mirror copy of ``resource``, or None if there is no mirror."""
    if not os.environ.get(MIRROR_ENV):
        return None
    mirror = pathlib.Path(os.environ[MIRROR_ENV]).expanduser()
    if not mirror.is_dir():
        raise DataError(f'{MIRROR_ENV}={mirror} is not a folder; point it at '
                        f'the folder that holds {resource.filename}.')
    pinned = dict(resource.repacks)
    for name in resource.mirror_names or (resource.filename,):
        path = mirror / name
        if not path.is_file():
            continue
        if name == resource.filename:
            _check_hash(path, resource.sha1, 'sha1', 'mirror copy, checked against the '
                        'SHA-1 that d2lsent pins for the original archive')
        elif name in pinned:
            _check_hash(path, pinned[name], 'sha256', 'mirror copy, checked against the '
                        'SHA-256 that d2lsent pins for this re-pack')
        else:
            sums = _read_manifest(mirror)
            if name not in sums:
                raise DataError(f'{path} is not listed in {mirror}/SHA256SUMS; '
                                f'add its line (`sha256sum {name}`).')
            _check_hash(path, sums[name], 'sha256', f'mirror {mirror}')
        return path
    return None


def _download_to(url, dest, sha1):
    """Stream ``url`` into a temporary file beside ``dest``, verify, rename."""
    with atomic_write(dest, 'wb') as f, urllib.request.urlopen(url, timeout=60) as r:
        digest = hashlib.sha1()
        total = int(r.headers.get('Content-Length') or 0) or None
        with tqdm(total=total, unit='B', unit_scale=True,
                  desc=f'Downloading {dest.name}') as bar:
            for chunk in iter(lambda: r.read(1 << 16), b''):
                f.write(chunk)
                digest.update(chunk)
                bar.update(len(chunk))
        if total is not None and f.tell() != total:
            raise DataError(f'Download of {url} stopped after {f.tell()} '
                            f'of {total} bytes; try again.')
        if digest.hexdigest() != sha1:
            raise DataError(f'SHA1 mismatch for {dest.name} downloaded from '
                            f'{url}: expected {sha1}, got {digest.hexdigest()}. '
                            f'Nothing was cached; try again.')


def download(resource):
    """Return the path of a verified copy of ``resource`` (a name or Resource).

    Looks in the cache, then in the offline mirror, then downloads.
    """
    resource = _resolve(resource)
    cached = cache_dir() / resource.filename
    if cached.is_file():  # only a verified download is ever renamed to this name
        if file_hash(cached) != resource.sha1:
            raise DataError(f'{cached} does not match the SHA-1 that d2lsent pins, so it is '
                            f'not an archive this project downloaded (another version, or '
                            f'damaged) and it is left alone: move it away, then run again.')
        return cached
    mirrored = _from_mirror(resource)
    if mirrored is not None:
        return mirrored
    try:
        _download_to(resource.url, cached, resource.sha1)
    except (urllib.error.URLError, http.client.HTTPException, OSError) as e:
        if os.environ.get(MIRROR_ENV):
            where = (f'and {MIRROR_ENV}={os.environ[MIRROR_ENV]} holds none '
                     f'of {", ".join(resource.mirror_names)}')
        else:
            where = (f'and {MIRROR_ENV} is not set. Without network access, '
                     f'set {MIRROR_ENV} to a folder that holds '
                     f'{" or ".join(resource.mirror_names)} and a SHA256SUMS '
                     f'manifest (for example `export {MIRROR_ENV}=../shared/data`)')
        raise DataError(f'Could not download {resource.url} ({e}), '
                        f'{where}.') from e
    return cached


def _leaves(path):
    """Whether a relative archive path is absolute or climbs out with ``..``."""
    path = path.replace('\\', '/')
    return path.startswith('/') or '..' in pathlib.PurePosixPath(path).parts


def _check_members(archive, members):
    """Refuse an archive unless every member is a file or a folder inside the target.

    ``members`` holds ``(name, kind)`` pairs. Links of any kind, devices and FIFOs
    are refused outright (the real archives have none): a chain of links can lead
    outside the target even when each one seems to point inside (CVE-2025-4517).
    """
    for name, kind in members:
        if kind not in ('file', 'folder'):
            raise DataError(f'Refusing to extract {archive}: member {name!r} is a {kind}; '
                            f'only files and folders are allowed. Use the original archive.')
        if _leaves(name):
            raise DataError(f'Refusing to extract {archive}: member {name!r} would land '
                            f'outside the target folder. Use the original archive.')


def _tar_kind(member):
    kinds = [('file', member.isfile()), ('folder', member.isdir()),
             ('symbolic link', member.issym()), ('hard link', member.islnk()),
             ('device', member.ischr() or member.isblk()), ('FIFO', member.isfifo())]
    return next((kind for kind, match in kinds if match), 'special member')


def _zip_kind(info):
    kind = stat.S_IFMT(info.external_attr >> 16)  # 0: no type recorded, a plain file
    if kind == stat.S_IFLNK:
        return 'symbolic link'
    return 'folder' if info.is_dir() else 'file' if kind in (0, stat.S_IFREG) \
        else 'special member'


def extract(archive, dest):
    """Extract a ``.tar.gz``/``.tar``/``.zip`` archive into the new folder ``dest``.

    Everything is unpacked into a temporary folder beside ``dest`` first (named
    ``.DEST.`` and random letters), which is renamed into place only once the whole
    archive was read and checked. Both hold the marker ``OWNED``, written before
    anything else: a leftover of a killed extraction is known as this module's own.
    """
    archive, dest = pathlib.Path(archive), pathlib.Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = pathlib.Path(tempfile.mkdtemp(dir=dest.parent, prefix=f'.{dest.name}.'))
    try:
        (tmp / OWNED).write_text('made by d2lsent while extracting; may be removed\n')
        _unpack(archive, tmp)
        os.rename(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # made by this call, and not renamed
        raise
    return dest


def _unpack(archive, tmp):
    """Check and unpack every member of ``archive`` into the folder ``tmp``."""
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as z:
                _check_members(archive, [(i.filename, _zip_kind(i)) for i in z.infolist()])
                for member in tqdm(z.namelist(), desc=f'Extracting {archive.name}',
                                   unit='file', mininterval=2):
                    z.extract(member, tmp)  # checks each member's CRC
        else:
            with tarfile.open(archive) as tar:
                members = tar.getmembers()
                _check_members(archive, [(m.name, _tar_kind(m)) for m in members])
                for member in tqdm(members, desc=f'Extracting {archive.name}',
                                   unit='file', mininterval=2):
                    tar.extract(member, tmp, filter='data')
                while tar.fileobj.read(1 << 20):  # to the end: gzip checks its CRC there
                    pass
    except (tarfile.TarError, zipfile.BadZipFile, gzip.BadGzipFile, EOFError,
            zlib.error) as e:
        raise DataError(f'{archive} is not a complete, readable tar or zip archive ({e}); '
                        f'delete it and fetch it again.') from e


def _writable(folder):
    """``folder``, created if needed, or a ``DataError`` that says how to choose another."""
    try:
        make_writable_folder(folder)
    except OSError as e:
        raise DataError(f'The cache folder {folder} cannot be written ({e.strerror}): '
                        f'set {CACHE_ENV} to a writable folder.') from e
    return folder


@contextlib.contextmanager
def _locked(path):
    """Hold an exclusive lock on the file ``path`` (another process waits for it)."""
    with open(path, 'a') as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _remove_leftovers(unpacked):
    """Remove what a killed extraction into ``unpacked`` left behind: that folder and
    ``extract``'s temporary ones beside it, each only if it holds ``OWNED``."""
    for leftover in [unpacked, *unpacked.parent.glob(f'.{unpacked.name}.*')]:
        if not os.path.lexists(leftover):
            continue
        if leftover.is_symlink() or not (leftover / OWNED).is_file():
            raise DataError(f'{leftover} is in the way of an extraction, and d2lsent did '
                            f'not make it (it lacks {OWNED}), so it is left alone: move it '
                            f'away, or set {CACHE_ENV} to another folder.')
        shutil.rmtree(leftover)


def download_extract(resource):
    """Return the folder of the unpacked ``resource``, fetching it on first use.

    A folder counts only if it holds its ``MARKER``, written last; a second call
    finds it and does nothing. One process at a time fetches and extracts (a lock
    in the cache); it first removes what a killed extraction left behind. A folder
    of that name without its marker was not made here (the marker is written before
    it gets its name): an error, never removed.
    """
    resource = _resolve(resource)
    folder = cache_dir() / resource.folder
    if (folder / MARKER).is_file():
        return folder
    cache = _writable(cache_dir())
    with _locked(cache / f'{resource.folder}.lock'):
        if (folder / MARKER).is_file():  # another process extracted it meanwhile
            return folder
        if os.path.lexists(folder):
            raise DataError(f'{folder} exists but was not made by d2lsent (it lacks '
                            f'{MARKER}), so it is left alone: move it away, or set '
                            f'{CACHE_ENV} to another folder.')
        unpacked = cache / f'.{resource.folder}.unpacked'
        _remove_leftovers(unpacked)
        archive = download(resource)
        unpacked = extract(archive, unpacked)
        try:
            top = unpacked / resource.folder
            if not top.is_dir():
                raise DataError(f'{resource.name}: the archive {archive} has no top-level '
                                f'folder {resource.folder!r}.')
            (top / MARKER).write_text(file_hash(archive, 'sha256') + '\n')
            os.rename(top, folder)
        finally:
            shutil.rmtree(unpacked, ignore_errors=True)
    return folder
