"""Fetching the data sets: a registry of resources, a verified cache, an offline mirror.

Every file is checked against a hash before it is used, whether it was just
downloaded, found in the cache, or found in an offline mirror. Files are written
to a temporary name and renamed into place, so an interrupted download or a
failed extraction never sits in the cache under its final name.

Environment variables:

* ``D2LSENT_CACHE``: the cache folder (default ``~/.cache/d2lsent``, or
  ``$XDG_CACHE_HOME/d2lsent``).
* ``D2LSENT_MIRROR``: a folder of archives with a ``SHA256SUMS`` manifest
  (``sha256sum`` format), looked at before the network.
"""
import dataclasses
import hashlib
import http.client
import os
import pathlib
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile

from tqdm import tqdm

from .files import atomic_write

DATA_URL = 'http://d2l-data.s3-accelerate.amazonaws.com/'  # as in d2l 1.0.3
CACHE_ENV = 'D2LSENT_CACHE'
MIRROR_ENV = 'D2LSENT_MIRROR'


@dataclasses.dataclass(frozen=True)
class Resource:
    """A remote archive: where it lives, its SHA-1, and the folder it unpacks to.

    ``mirror_names`` are the file names under which an offline mirror may hold
    it (a mirror's copy is checked against the mirror's ``SHA256SUMS``).
    """
    name: str
    url: str
    sha1: str
    folder: str
    mirror_names: tuple = ()

    @property
    def filename(self):
        return self.url.rsplit('/', 1)[-1]


# URLs and SHA-1 hashes are d2l 1.0.3's ``DATA_HUB`` entries.
RESOURCES = {r.name: r for r in [
    Resource('aclImdb', DATA_URL + 'aclImdb_v1.tar.gz',
             '01ada507287d82875905620988597833ad4e0903', 'aclImdb',
             mirror_names=('aclImdb_v1.tar.gz', 'aclImdb_v1-labeled.tar.gz')),
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
            f'{expected}, got {actual}. The file is corrupt or incomplete; '
            f'delete it and fetch it again.')


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
    for line in manifest.read_text().splitlines():
        if line.strip():
            digest, name = line.split(maxsplit=1)
            sums[name.lstrip('*')] = digest.lower()
    return sums


def _from_mirror(resource):
    """The verified mirror copy of ``resource``, or None if there is no mirror."""
    if not os.environ.get(MIRROR_ENV):
        return None
    mirror = pathlib.Path(os.environ[MIRROR_ENV]).expanduser()
    if not mirror.is_dir():
        raise DataError(f'{MIRROR_ENV}={mirror} is not a folder; point it at '
                        f'the folder that holds {resource.filename}.')
    sums = _read_manifest(mirror)
    for name in resource.mirror_names or (resource.filename,):
        path = mirror / name
        if path.is_file():
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
    if cached.is_file():
        if file_hash(cached) == resource.sha1:
            return cached
        print(f'{cached} does not match its SHA-1; fetching it again.')
        cached.unlink()
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
    return path.startswith('/') or os.path.normpath(path).split('/')[0] == '..'


def _refuse_unsafe(members, archive):
    """Refuse members with absolute paths or ``..``, and links that leave the folder.

    ``members`` holds ``(name, symlink target or None, hard link target or None)``.
    """
    for name, symlink, hardlink in members:
        targets = [name]
        if symlink is not None:  # relative to the link's own folder
            targets.append(symlink if symlink.startswith('/') else
                           os.path.join(os.path.dirname(name), symlink))
        if hardlink is not None:  # relative to the archive's root
            targets.append(hardlink)
        for target in targets:
            if _leaves(target) or '..' in pathlib.PurePosixPath(name).parts:
                raise DataError(f'Refusing to extract {archive}: member {name!r} '
                                f'points outside the target folder ({target!r}).')


def extract(archive, dest):
    """Extract a ``.tar.gz``/``.tar``/``.zip`` archive into the new folder ``dest``.

    Everything is unpacked into a temporary folder beside ``dest`` first, which
    is renamed into place only once extraction succeeded.
    """
    archive, dest = pathlib.Path(archive), pathlib.Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = pathlib.Path(tempfile.mkdtemp(dir=dest.parent, prefix=f'.{dest.name}.'))
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as z:
                _refuse_unsafe([(n, None, None) for n in z.namelist()], archive)
                for member in tqdm(z.namelist(), desc=f'Extracting {archive.name}',
                                   unit='file'):
                    z.extract(member, tmp)
        else:
            try:
                tar = tarfile.open(archive)
            except tarfile.TarError as e:
                raise DataError(f'{archive} is not a readable tar or zip '
                                f'archive ({e}); delete it and fetch it again.') from e
            with tar:
                members = tar.getmembers()
                _refuse_unsafe([(m.name, m.linkname if m.issym() else None,
                                 m.linkname if m.islnk() else None)
                                for m in members], archive)
                for member in tqdm(members, desc=f'Extracting {archive.name}',
                                   unit='file'):
                    tar.extract(member, tmp, filter='data')
        os.rename(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def download_extract(resource):
    """Return the folder of the unpacked ``resource``, fetching it on first use.

    A second call finds the folder in the cache and does nothing.
    """
    resource = _resolve(resource)
    folder = cache_dir() / resource.folder
    if folder.is_dir():
        return folder
    unpacked = extract(download(resource), cache_dir() / f'{resource.folder}.unpacked')
    try:
        top = unpacked / resource.folder
        if not top.is_dir():
            raise DataError(f'{resource.name}: the archive has no top-level '
                            f'folder {resource.folder!r}.')
        os.rename(top, folder)
    finally:
        shutil.rmtree(unpacked, ignore_errors=True)
    return folder
