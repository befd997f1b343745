import os
import stat

import pytest

from d2lsent.files import atomic_write, current_umask, read_json


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
    with pytest.raises(ValueError, match=r'bad.json cannot be read as JSON'):
        read_json(tmp_path / 'bad.json')
    with pytest.raises(ValueError, match=r'none.json is missing'):
        read_json(tmp_path / 'none.json')
    (tmp_path / 'good.json').write_text('{"a": 1}')
    assert read_json(tmp_path / 'good.json') == {'a': 1}
