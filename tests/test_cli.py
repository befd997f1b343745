import subprocess
import sys

import pytest

from d2lsent.__main__ import main


def test_prepare_reports_the_data(imdb_data, capsys):
    assert main(['prepare']) == 0
    out = capsys.readouterr().out
    assert 'train: 25,000 reviews (12,500 positive), features (25000, 500) int32' in out
    assert 'vocabulary: 49,346 tokens (min_freq=5)' in out
    assert 'word vectors: glove.6b.50d-packaged, 400,001 tokens x 50' in out
    assert 'vocabulary entries with a vector: 19,115 of 49,345 (38.7%)' in out


def test_bad_values_exit_non_zero(capsys):
    with pytest.raises(SystemExit) as e:
        main(['prepare', '--num-steps', '0'])
    assert e.value.code == 2
    assert '--num-steps must be at least 1, got 0' in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(['frobnicate'])
    assert e.value.code == 2


def test_missing_data_is_a_clear_error(tmp_cache, capsys):
    assert main(['prepare']) == 1
    assert 'set D2LSENT_MIRROR' in capsys.readouterr().err


def test_module_help_runs():
    out = subprocess.run([sys.executable, '-m', 'd2lsent', 'prepare', '--help'],
                         capture_output=True, text=True, check=True).stdout
    assert '--embedding' in out and 'D2LSENT_MIRROR' in out
