import hashlib
import io
import os
import pathlib
import stat
import subprocess
import sys
import tarfile
import zipfile

import pytest

from d2lsent import download
from d2lsent.download import DataError, Resource

from conftest import make_tar

REVIEW_FILES = {'aclImdb/train/pos/0_9.txt': 'Great film.',
                'aclImdb/train/neg/0_1.txt': 'Awful film.'}


def sha1(path):
    return hashlib.sha1(pathlib.Path(path).read_bytes()).hexdigest()


def write_mirror(folder, name, data_path, digest=None):
    """A mirror folder holding ``data_path`` as ``name`` with a SHA256SUMS line."""
    folder.mkdir(exist_ok=True)
    target = folder / name
    target.write_bytes(pathlib.Path(data_path).read_bytes())
    digest = digest or hashlib.sha256(target.read_bytes()).hexdigest()
    (folder / 'SHA256SUMS').write_text(f'{digest}  {name}\n')
    return folder


def small_resource(archive, url='http://127.0.0.1:9/aclImdb_v1.tar.gz'):
    return Resource('aclImdb', url, sha1(archive), 'aclImdb',
                    mirror_names=('aclImdb_v1.tar.gz', 'aclImdb_v1-labeled.tar.gz'))


def leftovers(folder):
    """Everything in ``folder`` (empty list if it does not exist)."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_registry_matches_d2l(book_d2l):
    for name in ('aclImdb', 'glove.6b.50d', 'glove.6b.100d'):
        assert (download.RESOURCES[name].url, download.RESOURCES[name].sha1) == \
            tuple(book_d2l.DATA_HUB[name])


def test_cache_dir_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv('D2LSENT_CACHE', str(tmp_path / 'c'))
    assert download.cache_dir() == tmp_path / 'c'
    monkeypatch.delenv('D2LSENT_CACHE')
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'xdg'))
    assert download.cache_dir() == tmp_path / 'xdg' / 'd2lsent'


def test_unknown_resource_lists_known_names():
    with pytest.raises(KeyError, match='aclImdb'):
        download.download('imdb')


def test_mirror_copy_is_verified_and_extracted_once(tmp_cache, tmp_path, monkeypatch):
    archive = make_tar(tmp_path / 'a.tar.gz', REVIEW_FILES)
    mirror = write_mirror(tmp_path / 'mirror', 'aclImdb_v1-labeled.tar.gz', archive)
    monkeypatch.setenv('D2LSENT_MIRROR', str(mirror))
    resource = small_resource(archive)
    assert download.download(resource) == mirror / 'aclImdb_v1-labeled.tar.gz'
    folder = download.download_extract(resource)
    assert folder == tmp_cache / 'aclImdb'
    assert (folder / 'train/pos/0_9.txt').read_text() == 'Great film.'
    assert leftovers(tmp_cache) == ['aclImdb', 'aclImdb.lock']  # no temporary folders
    # A second call is a no-op: it neither fetches nor extracts.
    monkeypatch.setattr(download, 'extract', lambda *a: pytest.fail('extracted twice'))
    monkeypatch.setattr(download, 'download', lambda *a: pytest.fail('fetched twice'))
    assert download.download_extract(resource) == folder


def test_corrupted_mirror_copy_names_file_and_hashes(tmp_cache, tmp_path, monkeypatch):
    archive = make_tar(tmp_path / 'a.tar.gz', REVIEW_FILES)
    mirror = write_mirror(tmp_path / 'mirror', 'aclImdb_v1-labeled.tar.gz', archive,
                          digest='0' * 64)
    monkeypatch.setenv('D2LSENT_MIRROR', str(mirror))
    actual = hashlib.sha256(archive.read_bytes()).hexdigest()
    with pytest.raises(DataError) as e:
        download.download_extract(small_resource(archive))
    assert 'aclImdb_v1-labeled.tar.gz' in str(e.value)
    assert '0' * 64 in str(e.value) and actual in str(e.value)
    assert leftovers(tmp_cache) == ['aclImdb.lock']


def test_mirror_without_manifest_or_listing(tmp_cache, tmp_path, monkeypatch):
    archive = make_tar(tmp_path / 'a.tar.gz', REVIEW_FILES)
    mirror = write_mirror(tmp_path / 'mirror', 'aclImdb_v1-labeled.tar.gz', archive)
    monkeypatch.setenv('D2LSENT_MIRROR', str(mirror))
    (mirror / 'SHA256SUMS').write_text('')
    with pytest.raises(DataError, match='not listed in .*SHA256SUMS'):
        download.download(small_resource(archive))
    (mirror / 'SHA256SUMS').unlink()
    with pytest.raises(DataError, match='no SHA256SUMS manifest'):
        download.download(small_resource(archive))
    monkeypatch.setenv('D2LSENT_MIRROR', str(tmp_path / 'nowhere'))
    with pytest.raises(DataError, match='D2LSENT_MIRROR=.*nowhere is not a folder'):
        download.download(small_resource(archive))


def test_no_network_no_mirror_says_what_to_set(tmp_cache, tmp_path):
    archive = make_tar(tmp_path / 'a.tar.gz', REVIEW_FILES)
    with pytest.raises(DataError) as e:  # port 9 on 127.0.0.1: connection refused
        download.download(small_resource(archive))
    message = str(e.value)
    assert 'D2LSENT_MIRROR' in message and 'aclImdb_v1-labeled.tar.gz' in message
    assert leftovers(tmp_cache) == []


def test_mirror_lacking_the_file_says_so(tmp_cache, tmp_path, monkeypatch):
    archive = make_tar(tmp_path / 'a.tar.gz', REVIEW_FILES)
    mirror = write_mirror(tmp_path / 'mirror', 'other.tar.gz', archive)
    monkeypatch.setenv('D2LSENT_MIRROR', str(mirror))
    with pytest.raises(DataError, match='holds none of aclImdb_v1.tar.gz'):
        download.download(small_resource(archive))


def test_download_from_local_server(tmp_cache, tmp_path, http_server):
    www, url = http_server()
    archive = make_tar(www / 'aclImdb_v1.tar.gz', REVIEW_FILES)
    resource = small_resource(archive, url + 'aclImdb_v1.tar.gz')
    path = download.download(resource)
    assert path == tmp_cache / 'aclImdb_v1.tar.gz' and sha1(path) == resource.sha1
    assert leftovers(tmp_cache) == ['aclImdb_v1.tar.gz']
    folder = download.download_extract(resource)
    assert (folder / 'train/neg/0_1.txt').read_text() == 'Awful film.'


def test_download_with_wrong_hash_caches_nothing(tmp_cache, tmp_path, http_server):
    www, url = http_server()
    archive = make_tar(www / 'aclImdb_v1.tar.gz', REVIEW_FILES)
    resource = Resource('x', url + 'aclImdb_v1.tar.gz', 'f' * 40, 'aclImdb')
    with pytest.raises(DataError) as e:
        download.download(resource)
    assert 'f' * 40 in str(e.value) and sha1(archive) in str(e.value)
    assert 'aclImdb_v1.tar.gz' in str(e.value)
    assert leftovers(tmp_cache) == []


def test_truncated_download_caches_nothing(tmp_cache, tmp_path, http_server):
    www, url = http_server(truncate=True)
    archive = make_tar(www / 'aclImdb_v1.tar.gz', {'aclImdb/big.txt': 'x' * 100_000})
    with pytest.raises(DataError, match='stopped after'):
        download.download(small_resource(archive, url + 'aclImdb_v1.tar.gz'))
    assert leftovers(tmp_cache) == []


def test_a_cached_archive_d2lsent_did_not_download_is_left_alone(tmp_cache, tmp_path,
                                                                   http_server):
    """Only a verified download is renamed into the cache: a file there that does not
    match is someone else's, never deleted, and named in the error."""
    www, url = http_server()
    archive = make_tar(www / 'aclImdb_v1.tar.gz', REVIEW_FILES)
    tmp_cache.mkdir()
    (tmp_cache / 'aclImdb_v1.tar.gz').write_bytes(b'half a file')
    with pytest.raises(download.DataError, match='aclImdb_v1.tar.gz does not match the '
                                                 'SHA-1 that d2lsent pins.*move it away'):
        download.download(small_resource(archive, url + 'aclImdb_v1.tar.gz'))
    assert (tmp_cache / 'aclImdb_v1.tar.gz').read_bytes() == b'half a file'
    (tmp_cache / 'aclImdb_v1.tar.gz').unlink()  # moved away: fetched and verified
    path = download.download(small_resource(archive, url + 'aclImdb_v1.tar.gz'))
    assert sha1(path) == sha1(archive)


def test_unreadable_archive_leaves_nothing(tmp_cache, tmp_path, monkeypatch):
    junk = tmp_path / 'junk.tar.gz'
    junk.write_bytes(b'this is not an archive')
    mirror = write_mirror(tmp_path / 'mirror', 'aclImdb_v1.tar.gz', junk)
    monkeypatch.setenv('D2LSENT_MIRROR', str(mirror))
    with pytest.raises(DataError, match='not a complete, readable tar or zip archive'):
        download.download_extract(small_resource(junk))
    assert leftovers(tmp_cache) == ['aclImdb.lock']


@pytest.mark.parametrize('files, links', [
    ({'aclImdb/ok.txt': 'a', 'aclImdb/../../evil.txt': 'b'}, ()),
    ({'/tmp/d2lsent-evil.txt': 'b'}, ()),
    ({'aclImdb/ok.txt': 'a'}, [('aclImdb/link', '../../etc/passwd')]),
    ({'aclImdb/ok.txt': 'a'}, [('aclImdb/link', '/etc/passwd')]),
])
def test_tar_path_traversal_is_refused(tmp_path, files, links):
    archive = make_tar(tmp_path / 'evil.tar.gz', files, links)
    dest = tmp_path / 'out' / 'aclImdb'
    with pytest.raises(DataError, match='Refusing to extract'):
        download.extract(archive, dest)
    assert leftovers(tmp_path / 'out') == []
    assert not pathlib.Path('/tmp/d2lsent-evil.txt').exists()


def test_even_links_inside_the_folder_are_refused(tmp_path):
    archive = make_tar(tmp_path / 'ok.tar.gz', {'d/a.txt': 'a'}, [('d/b.txt', 'a.txt')])
    with pytest.raises(DataError, match="member 'd/b.txt' is a symbolic link"):
        download.extract(archive, tmp_path / 'out')


def test_zip_path_traversal_is_refused(tmp_path):
    archive = tmp_path / 'evil.zip'
    with zipfile.ZipFile(archive, 'w') as z:
        z.writestr('glove/../../evil.txt', 'b')
    with pytest.raises(DataError, match='Refusing to extract'):
        download.extract(archive, tmp_path / 'out' / 'glove')
    assert leftovers(tmp_path / 'out') == []


def test_zip_is_extracted(tmp_path):
    archive = tmp_path / 'g.zip'
    with zipfile.ZipFile(archive, 'w') as z:
        z.writestr('glove.6B.50d/vec.txt', 'the 0.1 0.2\n')
    dest = download.extract(archive, tmp_path / 'out')
    assert (dest / 'glove.6B.50d/vec.txt').read_text() == 'the 0.1 0.2\n'


def test_archive_without_expected_folder(tmp_cache, tmp_path, monkeypatch):
    archive = make_tar(tmp_path / 'a.tar.gz', {'other/x.txt': 'x'})
    mirror = write_mirror(tmp_path / 'mirror', 'aclImdb_v1.tar.gz', archive)
    monkeypatch.setenv('D2LSENT_MIRROR', str(mirror))
    with pytest.raises(DataError, match="no top-level folder 'aclImdb'"):
        download.download_extract(small_resource(archive))
    assert leftovers(tmp_cache) == ['aclImdb.lock']

def _tar_with(path, members):
    """A .tar.gz at ``path`` whose members are ``(TarInfo, bytes or None)`` pairs."""
    with tarfile.open(path, 'w:gz') as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def test_a_long_symlink_chain_cannot_write_outside(tmp_path):
    """CVE-2025-4517's pattern: nested links with long names, each inside on paper, then
    one that climbs out through them; Python 3.11.7's 'data' filter lets it through."""
    root = tmp_path / 'root'
    dest = root / 'out' / 'aclImdb'
    steps, component, members, path = 'abcdefghijklmnop', 'd' * 247, [], ''
    for step in steps:
        folder = tarfile.TarInfo(os.path.join(path, component))
        folder.type = tarfile.DIRTYPE
        link = tarfile.TarInfo(os.path.join(path, step))
        link.type, link.linkname = tarfile.SYMTYPE, component
        members += [(folder, None), (link, None)]
        path = os.path.join(path, component)
    deep = tarfile.TarInfo(os.path.join('/'.join(steps), 'l' * 254))
    deep.type, deep.linkname = tarfile.SYMTYPE, '../' * len(steps)
    escape = tarfile.TarInfo('escape')
    escape.type, escape.linkname = tarfile.SYMTYPE, deep.name + '/../../..'
    payload = tarfile.TarInfo('escape/outside.txt')
    payload.size = 4
    archive = _tar_with(tmp_path / 'evil.tar.gz', members + [(deep, None), (escape, None),
                                                            (payload, b'evil')])
    with pytest.raises(DataError, match=r"Refusing to extract .*evil.tar.gz: member "
                                        r"'a' is a symbolic link"):
        download.extract(archive, dest)
    assert not list(tmp_path.rglob('outside.txt')) and leftovers(root / 'out') == []


@pytest.mark.parametrize('kind, name', [(tarfile.FIFOTYPE, 'FIFO'),
                                        (tarfile.CHRTYPE, 'device'),
                                        (tarfile.LNKTYPE, 'hard link')])
def test_special_members_are_refused(tmp_path, kind, name):
    info = tarfile.TarInfo('aclImdb/odd')
    info.type, info.linkname = kind, 'aclImdb/ok.txt'
    ok = tarfile.TarInfo('aclImdb/ok.txt')
    ok.size = 1
    archive = _tar_with(tmp_path / 'odd.tar.gz', [(ok, b'a'), (info, None)])
    with pytest.raises(DataError, match=f"member 'aclImdb/odd' is a {name}"):
        download.extract(archive, tmp_path / 'out' / 'aclImdb')
    assert leftovers(tmp_path / 'out') == []


def test_zip_symlinks_are_refused(tmp_path):
    archive = tmp_path / 'link.zip'
    with zipfile.ZipFile(archive, 'w') as z:
        info = zipfile.ZipInfo('glove/link')
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(info, '../../etc/passwd')
    with pytest.raises(DataError, match="member 'glove/link' is a symbolic link"):
        download.extract(archive, tmp_path / 'out' / 'glove')


def test_the_registry_pins_the_mirror_copies(tmp_cache, tmp_path, monkeypatch):
    """A changed re-pack with a regenerated manifest is refused: the hash is pinned."""
    archive = make_tar(tmp_path / 'a.tar.gz', REVIEW_FILES)
    mirror = write_mirror(tmp_path / 'mirror', 'aclImdb_v1-labeled.tar.gz', archive)
    monkeypatch.setenv('D2LSENT_MIRROR', str(mirror))
    with pytest.raises(DataError, match=r'SHA256 mismatch .*aclImdb_v1-labeled.tar.gz .*'
                                        r'pins for this re-pack\): expected 69d67dc2'):
        download.download('aclImdb')
    mirror = write_mirror(tmp_path / 'mirror2', 'aclImdb_v1.tar.gz', archive)
    monkeypatch.setenv('D2LSENT_MIRROR', str(mirror))
    with pytest.raises(DataError, match=r'SHA1 mismatch .*original archive\): expected '
                                        r'01ada507'):
        download.download('aclImdb')
    assert leftovers(tmp_cache) == []


@pytest.mark.parametrize('damage', ['truncate', 'flip'])
def test_a_damaged_archive_is_a_clear_error(tmp_cache, tmp_path, monkeypatch, damage):
    """Even with a manifest that matches the damaged file (a name the registry does not
    pin), the archive is read to its end: gzip's length and CRC catch the damage."""
    archive = make_tar(tmp_path / 'a.tar.gz', {**REVIEW_FILES,
                                               'aclImdb/big.txt': os.urandom(50_000).hex()})
    data = bytearray(archive.read_bytes())
    if damage == 'truncate':
        data = data[:len(data) * 2 // 3]
    else:
        data[-12] ^= 0x01  # in the last compressed block
    archive.write_bytes(bytes(data))
    mirror = write_mirror(tmp_path / 'mirror', 'copy.tar.gz', archive)
    monkeypatch.setenv('D2LSENT_MIRROR', str(mirror))
    resource = Resource('aclImdb', 'http://127.0.0.1:9/x.tar.gz', '0' * 40, 'aclImdb',
                        mirror_names=('copy.tar.gz',))
    with pytest.raises(DataError, match=r'copy.tar.gz is not a complete, readable tar or '
                                        r'zip archive .*delete it and fetch it again'):
        download.download_extract(resource)
    assert leftovers(tmp_cache) == ['aclImdb.lock']


def test_a_malformed_manifest_names_its_line(tmp_cache, tmp_path, monkeypatch):
    archive = make_tar(tmp_path / 'a.tar.gz', REVIEW_FILES)
    mirror = write_mirror(tmp_path / 'mirror', 'aclImdb_v1-labeled.tar.gz', archive)
    (mirror / 'SHA256SUMS').write_text('\nnot-a-hash\n')
    monkeypatch.setenv('D2LSENT_MIRROR', str(mirror))
    with pytest.raises(DataError, match=r'SHA256SUMS, line 2, is not "SHA256  file name"'):
        download.download(small_resource(archive))


def mirrored(tmp_path, monkeypatch):
    """A small IMDb archive in a mirror that ``D2LSENT_MIRROR`` names: its Resource."""
    archive = make_tar(tmp_path / 'a.tar.gz', REVIEW_FILES)
    mirror = write_mirror(tmp_path / 'mirror', 'aclImdb_v1-labeled.tar.gz', archive)
    monkeypatch.setenv('D2LSENT_MIRROR', str(mirror))
    return small_resource(archive)


def users_file(path):
    """A file of the user's at ``path``, in folders made for it."""
    path.parent.mkdir(parents=True)
    path.write_text('mine')
    return path


# Runs download_extract in a fresh Python that dies, as if killed (no cleanup runs), at
# its Nth os.rename: 1, the temporary folder of extract; 2, the extracted top folder.
KILLED = """import os, sys
from d2lsent import download
renames, rename = [], os.rename
def dying_rename(*args):
    renames.append(args)
    if len(renames) == int(sys.argv[1]):
        os._exit(9)
    rename(*args)
os.rename = dying_rename
download.download_extract(download.Resource(
    'aclImdb', 'http://127.0.0.1:9/a.tar.gz', '0' * 40, 'aclImdb',
    mirror_names=('aclImdb_v1-labeled.tar.gz',)))
"""


@pytest.mark.parametrize('kill_at, leftover', [(1, '..aclImdb.unpacked.*'),
                                               (2, '.aclImdb.unpacked')])
def test_leftovers_of_a_killed_extraction_are_removed(tmp_cache, tmp_path, monkeypatch,
                                                      kill_at, leftover):
    resource = mirrored(tmp_path, monkeypatch)
    killed = subprocess.run([sys.executable, '-c', KILLED, str(kill_at)], env=os.environ,
                            capture_output=True, text=True, timeout=120)
    assert killed.returncode == 9, killed.stderr
    [left] = tmp_cache.glob(leftover)
    assert (left / download.OWNED).is_file()  # marked as d2lsent's from the start
    folder = download.download_extract(resource)
    assert leftovers(tmp_cache) == ['aclImdb', 'aclImdb.lock']
    assert (folder / 'train/pos/0_9.txt').read_text() == 'Great film.'
    assert (folder / download.MARKER).read_text().strip() == \
        hashlib.sha256((tmp_path / 'a.tar.gz').read_bytes()).hexdigest()


def test_a_folder_d2lsent_did_not_make_is_never_removed(tmp_cache, tmp_path, monkeypatch):
    """A cache pointed at the book's ../data: its aclImdb/ has no marker, and may hold
    the user's own files."""
    resource = mirrored(tmp_path, monkeypatch)
    mine = users_file(tmp_cache / 'aclImdb/train/my_labels.csv')
    with pytest.raises(DataError, match=f'{tmp_cache / "aclImdb"} exists but was not made '
                                        f'by d2lsent .*move it away, or set D2LSENT_CACHE'):
        download.download_extract(resource)
    assert mine.read_text() == 'mine'


@pytest.mark.parametrize('name', ['.aclImdb.unpacked', '..aclImdb.unpacked.x1y2'])
def test_a_folder_named_like_a_leftover_is_kept_without_the_marker(tmp_cache, tmp_path,
                                                                   monkeypatch, name):
    resource = mirrored(tmp_path, monkeypatch)
    mine = users_file(tmp_cache / name / 'notes.txt')
    with pytest.raises(DataError, match=f'{tmp_cache / name} is in the way of an extraction, '
                                        f'and d2lsent did not make it .*move it away'):
        download.download_extract(resource)
    assert mine.read_text() == 'mine'


def test_other_folders_in_the_cache_are_left_alone(tmp_cache, tmp_path, monkeypatch):
    resource = mirrored(tmp_path, monkeypatch)
    mine = users_file(tmp_cache / 'my.aclImdb.backup' / 'notes.txt')
    download.download_extract(resource)
    assert leftovers(tmp_cache) == ['aclImdb', 'aclImdb.lock', 'my.aclImdb.backup']
    assert mine.read_text() == 'mine'


def test_two_processes_extract_one_copy(tmp_cache, tmp_path):
    archive = make_tar(tmp_path / 'a.tar.gz', {**REVIEW_FILES, **{
        f'aclImdb/train/pos/{i}_7.txt': 'fine ' * 200 for i in range(300)}})
    mirror = write_mirror(tmp_path / 'mirror', 'aclImdb_v1-labeled.tar.gz', archive)
    code = ('import sys; from d2lsent import download; from d2lsent.download import Resource\n'
            'r = Resource("aclImdb", "http://127.0.0.1:9/a.tar.gz", "0" * 40, "aclImdb", '
            'mirror_names=("aclImdb_v1-labeled.tar.gz",))\n'
            'print(download.download_extract(r))')
    env = dict(os.environ, D2LSENT_CACHE=str(tmp_cache), D2LSENT_MIRROR=str(mirror))
    both = [subprocess.Popen([sys.executable, '-c', code], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for p in both:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert out.strip() == str(tmp_cache / 'aclImdb')
    assert leftovers(tmp_cache) == ['aclImdb', 'aclImdb.lock']
    assert len(list((tmp_cache / 'aclImdb/train/pos').iterdir())) == 301


def test_a_cache_that_cannot_be_written_is_a_clear_error(tmp_path, monkeypatch):
    blocker = tmp_path / 'a-file'
    blocker.write_text('')
    monkeypatch.setenv('D2LSENT_CACHE', str(blocker))
    with pytest.raises(DataError, match=r'The cache folder .*a-file cannot be written .*'
                                        r'set D2LSENT_CACHE to a writable folder'):
        download.download_extract('aclImdb')


def test_shared_mirror_holds_the_real_archive():
    """The project's mirror (CI's data) verifies against its manifest."""
    mirror = os.environ.get('D2LSENT_MIRROR')
    if not mirror:
        pytest.skip('D2LSENT_MIRROR is not set')
    path = download._from_mirror(download.RESOURCES['aclImdb'])
    assert path is not None and path.name == 'aclImdb_v1-labeled.tar.gz'
