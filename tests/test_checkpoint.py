import numpy as np
import pytest

from d2lsent import checkpoint
from d2lsent.text import Vocab
from d2lsent.config import Config


def test_round_trip(tmp_path):
    vocab = Vocab([['a', 'b', 'b']])
    params = {'w': np.arange(6, dtype=np.float32).reshape(2, 3)}
    path = checkpoint.save(tmp_path / 'run' / 'model.npz', params, vocab,
                           Config(lr=0.5), backend='torch')
    loaded, vocab2, config, header = checkpoint.load(path)
    assert (loaded['w'] == params['w']).all() and loaded['w'].dtype == np.float32
    assert vocab2.idx_to_token == vocab.idx_to_token and vocab2['b'] == vocab['b']
    assert config == Config(lr=0.5) and header['backend'] == 'torch'
    assert sorted(p.name for p in path.parent.iterdir()) == ['model.npz']


def test_bad_checkpoints(tmp_path):
    with pytest.raises(FileNotFoundError, match='No checkpoint at .*missing.npz'):
        checkpoint.load(tmp_path / 'missing.npz')
    junk = tmp_path / 'junk.npz'
    junk.write_bytes(b'not a zip')
    with pytest.raises(ValueError, match='junk.npz is not a d2lsent checkpoint'):
        checkpoint.load(junk)


def test_check_shapes_names_the_parameter():
    params = {'embedding.weight': np.zeros((10, 4))}
    with pytest.raises(ValueError, match=r'embedding.weight has shape \(10, 4\).*\(12, 4\)'):
        checkpoint.check_shapes(params, {'embedding.weight': (12, 4)}, 'm.npz')
    with pytest.raises(ValueError, match='do not match'):
        checkpoint.check_shapes(params, {'decoder.weight': (2, 4)}, 'm.npz')
