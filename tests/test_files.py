import io
import json
import os
import re
import stat
import threading
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

from d2lsent import files
from d2lsent.files import atomic_write, current_umask, read_json, read_npz


def test_atomic_write_renames_into_place(tmp_path):
    path = tmp_path / 'sub' / 'out.json'
    with atomic_write(path) as f:
        f.write('{}')
        assert not path.exists()  # nothing under the final name while writing
    assert path.read_text() == '{}' and [p.name for p in path.parent.iterdir()] == ['out.json']


def test_a_failed_write_leaves_nothing_and_keeps_the_old_file(tmp_path):
    path = tmp_path / 'out.txt'
    path.write_text('old')
    with pytest.raises(RuntimeError):
        with atomic_write(path) as f:
            f.write('half')
            raise RuntimeError('crash')
    assert path.read_text() == 'old' and [p.name for p in tmp_path.iterdir()] == ['out.txt']


@pytest.mark.parametrize('umask, mode', [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_files_respect_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        assert current_umask() == umask
        with atomic_write(tmp_path / 'out.txt') as f:
            f.write('x')
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / 'out.txt').stat().st_mode) == mode


def test_read_json_names_the_file(tmp_path):
    (tmp_path / 'bad.json').write_text('{"a": ')
    with pytest.raises(ValueError, match=r'Cannot read JSON file .*bad.json: it is not valid '
                                         r'JSON'):
        read_json(tmp_path / 'bad.json')
    with pytest.raises(ValueError, match=r'none.json: it does not exist'):
        read_json(tmp_path / 'none.json')
    (tmp_path / 'good.json').write_text('{"a": 1}')
    assert read_json(tmp_path / 'good.json') == {'a': 1}


def special_file(tmp_path, kind):
    """A path that is not a regular file: a FIFO (reading it would wait for a writer
    forever), a device that never ends, or a folder."""
    if kind == 'FIFO':
        os.mkfifo(tmp_path / 'pipe.json')
        threading.Thread(target=end_a_wait, args=[tmp_path / 'pipe.json'], daemon=True).start()
        return tmp_path / 'pipe.json', 'a FIFO (named pipe)'
    if kind == 'device':
        return '/dev/zero', 'a character device'
    return tmp_path, 'a folder'


def end_a_wait(fifo, seconds=10):
    """Should a reader open ``fifo`` (a regression), give it an end of file: the test then
    fails instead of waiting forever for a writer."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
            return
        except OSError:  # no reader has it open
            time.sleep(0.05)


@pytest.mark.parametrize('kind', ['FIFO', 'device', 'folder'])
def test_read_json_refuses_what_is_not_a_regular_file(tmp_path, kind):
    path, said = special_file(tmp_path, kind)
    with pytest.raises(ValueError, match=re.escape(f'Cannot read JSON file {path}: it is '
                                                   f'{said}, not a regular file')):
        read_json(path)


def test_read_json_refuses_a_huge_file_before_reading_it(tmp_path, monkeypatch):
    monkeypatch.setattr(files, 'MAX_JSON_BYTES', 100)
    (tmp_path / 'big.json').write_text(json.dumps(['x' * 200]))
    with pytest.raises(ValueError, match=r'big.json: it has 204 bytes, more than the 100'):
        read_json(tmp_path / 'big.json')
    (tmp_path / 'small.json').write_text(json.dumps(['x' * 90]))
    assert read_json(tmp_path / 'small.json') == ['x' * 90]


def test_read_json_refuses_deep_nesting_with_the_file_name(tmp_path):
    (tmp_path / 'deep.json').write_text('[' * 100_000)
    with pytest.raises(ValueError, match=r'deep.json: it is not valid JSON \(maximum recursion'):
        read_json(tmp_path / 'deep.json')


def test_check_regular_file_returns_the_path(tmp_path):
    (tmp_path / 'a.txt').write_text('abc')
    assert files.check_regular_file(str(tmp_path / 'a.txt'), 3) == tmp_path / 'a.txt'
    with pytest.raises(ValueError, match=r'Cannot read --file .*a.txt: it has 3 bytes, more '
                                         r'than the 2 d2lsent reads'):
        files.check_regular_file(tmp_path / 'a.txt', 2, '--file')


def npz(path, members, compression=zipfile.ZIP_STORED):
    """An .npz file at ``path`` whose ``members`` map names to arrays or to raw bytes."""
    with zipfile.ZipFile(path, 'w', compression) as z:
        for name, value in members.items():
            if isinstance(value, np.ndarray):
                data = io.BytesIO()
                np.lib.format.write_array(data, value)
                value = data.getvalue()
            z.writestr(f'{name}.npy', value)
    return path


def test_read_npz_reads_the_members_asked_for(tmp_path):
    path = npz(tmp_path / 'a.npz', {'x': np.arange(3.0), 'y': np.ones((2, 2), np.float32)})
    arrays = read_npz(path, 1000)
    assert sorted(arrays) == ['x', 'y'] and (arrays['x'] == [0, 1, 2]).all()
    assert list(read_npz(path, 1000, ['y'])) == ['y']
    assert files.npz_shapes(path) == {'x': (3,), 'y': (2, 2)}
    with pytest.raises(ValueError, match=r'Cannot read .npz file .*a.npz: it has no array z'):
        read_npz(path, 1000, ['x', 'z'])


def test_read_npz_refuses_a_huge_member_before_reading_it(tmp_path):
    """A run of zeros deflates to almost nothing: the zip's directory tells its size."""
    zeros = np.zeros(10_000_000, np.float32)  # 40 MB, about 40 kB deflated
    path = npz(tmp_path / 'bomb.npz', {'small': np.arange(3.0), 'bomb': zeros},
               zipfile.ZIP_DEFLATED)
    del zeros
    assert path.stat().st_size < 100_000
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r'bomb.npz: its array bomb unpacks to '
                                             r'40,000,128 bytes, more than the 1,000,000'):
            read_npz(path, 1_000_000)
        assert tracemalloc.get_traced_memory()[1] < 1_000_000  # the array was never read
    finally:
        tracemalloc.stop()
    assert (read_npz(path, 1_000_000, ['small'])['small'] == [0, 1, 2]).all()


def test_read_npz_bounds_the_members_together(tmp_path):
    path = npz(tmp_path / 'two.npz', {'x': np.zeros(100), 'y': np.zeros(100)})
    with pytest.raises(ValueError, match=r'two.npz: its arrays unpack to 1,856 bytes '
                                         r'together, more than the 1,500'):
        read_npz(path, 1500)
    assert list(read_npz(path, 1500, ['y'])) == ['y']


def test_read_npz_bounds_the_number_of_members(tmp_path, monkeypatch):
    monkeypatch.setattr(files, 'MAX_NPZ_MEMBERS', 2)
    path = npz(tmp_path / 'many.npz', {name: np.zeros(1) for name in 'abc'})
    with pytest.raises(ValueError, match=r'many.npz: it has 3 arrays, more than the 2'):
        files.npz_shapes(path)


def test_read_npz_refuses_a_header_that_claims_more_than_its_member(tmp_path):
    header = io.BytesIO()  # numpy would allocate 8 TB for this array before reading it
    np.lib.format.write_array_header_1_0(header, {'descr': '<f8', 'fortran_order': False,
                                                  'shape': (10**12,)})
    path = npz(tmp_path / 'liar.npz', {'x': header.getvalue() + bytes(8)})
    with pytest.raises(ValueError, match=r'liar.npz: its array x declares '
                                         r'8,000,000,000,000 bytes but holds 136'):
        read_npz(path, 10**6)


@pytest.mark.parametrize('damage', ['not a zip', 'truncated', 'pickle', 'not npy'])
def test_read_npz_names_a_damaged_or_foreign_file(tmp_path, damage):
    path = npz(tmp_path / 'a.npz', {'x': np.arange(1000.0)})
    if damage == 'not a zip':
        path.write_bytes(b'PK\x03\x04 not really a zip')
    elif damage == 'truncated':
        path.write_bytes(path.read_bytes()[:3000])
    elif damage == 'pickle':  # allow_pickle=False: no code runs from the file
        npz(path, {'x': np.array([{'a': 1}], dtype=object)})
    else:
        npz(path, {'x': b'just some bytes'})
    said = (r'its array x holds Python objects \(a pickle\), which d2lsent never loads'
            if damage == 'pickle' else r'it is not a complete .npz file \((BadZipFile|ValueError)')
    with pytest.raises(ValueError, match=r'Cannot read .npz file .*a.npz: ' + said):
        read_npz(path, 10**6)


@pytest.mark.parametrize('kind', ['FIFO', 'device', 'folder'])
def test_read_npz_refuses_what_is_not_a_regular_file(tmp_path, kind):
    path, said = special_file(tmp_path, kind)
    with pytest.raises(ValueError, match=re.escape(f'{path}: it is {said}, not a regular')):
        read_npz(path, 10**6)
