import pytest

from d2lsent.files import atomic_write


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
