import hashlib
import os
import pathlib
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


def test_registry_matches_d2l():
    from d2l import mxnet as d2l
    for name in ('aclImdb', 'glove.6b.50d', 'glove.6b.100d'):
        assert (download.RESOURCES[name].url, download.RESOURCES[name].sha1) == \
            tuple(d2l.DATA_HUB[name])


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
    assert leftovers(tmp_cache) == ['aclImdb']  # no temporary folders left
    # A second call is a no-op: it neither fetches nor extracts.
    monkeypatch.setattr(download, 'extract', lambda *a: pytest.fail('extracted twice'))
    monkeypatch.setattr(download, 'download', lambda *a: pytest.fail('fetched twice'))
    assert download.download_extract(resource) == folder


def test_corrupted_mirror_copy_names_file_and_hashes(tmp_cache, tmp_path, monkeypatch):
    archive = make_tar(tmp_path / 'a.tar.gz', REVIEW_FILES)
    mirror = write_mirror(tmp_path / 'mirror', 'aclImdb_v1.tar.gz', archive,
                          digest='0' * 64)
    monkeypatch.setenv('D2LSENT_MIRROR', str(mirror))
    actual = hashlib.sha256(archive.read_bytes()).hexdigest()
    with pytest.raises(DataError) as e:
        download.download_extract(small_resource(archive))
    assert 'aclImdb_v1.tar.gz' in str(e.value)
    assert '0' * 64 in str(e.value) and actual in str(e.value)
    assert leftovers(tmp_cache) == []


def test_mirror_without_manifest_or_listing(tmp_cache, tmp_path, monkeypatch):
    archive = make_tar(tmp_path / 'a.tar.gz', REVIEW_FILES)
    mirror = write_mirror(tmp_path / 'mirror', 'aclImdb_v1.tar.gz', archive)
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


def test_corrupted_cached_file_is_fetched_again(tmp_cache, tmp_path, http_server):
    www, url = http_server()
    archive = make_tar(www / 'aclImdb_v1.tar.gz', REVIEW_FILES)
    tmp_cache.mkdir()
    (tmp_cache / 'aclImdb_v1.tar.gz').write_bytes(b'half a file')
    path = download.download(small_resource(archive, url + 'aclImdb_v1.tar.gz'))
    assert sha1(path) == sha1(archive)


def test_unreadable_archive_leaves_nothing(tmp_cache, tmp_path, monkeypatch):
    junk = tmp_path / 'junk.tar.gz'
    junk.write_bytes(b'this is not an archive')
    mirror = write_mirror(tmp_path / 'mirror', 'aclImdb_v1.tar.gz', junk)
    monkeypatch.setenv('D2LSENT_MIRROR', str(mirror))
    with pytest.raises(DataError, match='not a readable tar or zip'):
        download.download_extract(small_resource(junk))
    assert leftovers(tmp_cache) == []


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


def test_links_inside_the_folder_are_kept(tmp_path):
    archive = make_tar(tmp_path / 'ok.tar.gz', {'d/a.txt': 'a'}, [('d/b.txt', 'a.txt')])
    dest = download.extract(archive, tmp_path / 'out')
    assert (dest / 'd/b.txt').read_text() == 'a'


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
    assert leftovers(tmp_cache) == []


def test_shared_mirror_holds_the_real_archive():
    """The project's mirror (CI's data) verifies against its manifest."""
    mirror = os.environ.get('D2LSENT_MIRROR')
    if not mirror:
        pytest.skip('D2LSENT_MIRROR is not set')
    path = download._from_mirror(download.RESOURCES['aclImdb'])
    assert path is not None and path.name == 'aclImdb_v1-labeled.tar.gz'
