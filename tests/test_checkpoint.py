import dataclasses
import json

import numpy as np
import pytest

from d2lsent import checkpoint
from d2lsent.config import Config
from d2lsent.text import Vocab


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
    with pytest.raises(ValueError, match='junk.npz is not a usable d2lsent checkpoint: it '
                                         'cannot be read as one'):
        checkpoint.load(junk)


def test_check_shapes_names_the_parameter():
    params = {'embedding.weight': np.zeros((10, 4))}
    with pytest.raises(ValueError, match=r'embedding.weight has shape \(10, 4\).*\(12, 4\)'):
        checkpoint.check_shapes(params, {'embedding.weight': (12, 4)}, 'm.npz')
    with pytest.raises(ValueError, match='do not match'):
        checkpoint.check_shapes(params, {'decoder.weight': (2, 4)}, 'm.npz')


def _checkpoint(path, header=None, **params):
    """Write a checkpoint by hand: a valid one, unless ``header`` or ``params`` differ."""
    good = dict(format=checkpoint.FORMAT, config=dataclasses.asdict(Config()),
                idx_to_token=['<unk>', 'film'])
    arrays = {f'param:{k}': v for k, v in params.items()} or {
        'param:decoder.bias': np.zeros(2, dtype=np.float32)}
    with open(path, 'wb') as f:
        np.savez(f, __header__=np.array(json.dumps({**good, **(header or {})})), **arrays)
    return path


@pytest.mark.parametrize('header, params, reason', [
    ({'format': 'other'}, {}, "its format is 'other', expected 'd2lsent-checkpoint-1'"),
    ({'config': {'lr': 0.01, 'colour': 'red'}}, {},
     'its configuration has unknown settings colour'),
    ({'config': {'lr': -1}}, {}, r'its configuration is invalid: lr \(--lr\) must be above 0'),
    ({'idx_to_token': [1, 2]}, {}, 'its vocabulary is not a list of tokens'),
    (None, {'decoder.bias': np.array([np.nan, 0], dtype=np.float32)},
     'parameter decoder.bias holds NaN or infinite values'),
    (None, {'decoder.bias': np.array(['a', 'b'])}, 'parameter decoder.bias has dtype <U1'),
])
def test_a_bad_checkpoint_is_refused_with_the_reason(tmp_path, header, params, reason):
    path = _checkpoint(tmp_path / 'model.npz', header, **params)
    with pytest.raises(ValueError, match=f'model.npz is not a usable d2lsent checkpoint: '
                                         f'{reason}'):
        checkpoint.load(path)


def test_a_header_without_its_keys_is_refused(tmp_path):
    path = tmp_path / 'model.npz'
    with open(path, 'wb') as f:
        np.savez(f, __header__=np.array(json.dumps({'format': checkpoint.FORMAT})))
    with pytest.raises(ValueError, match='its header lacks config, idx_to_token'):
        checkpoint.load(path)
    path.write_bytes(b'PK\x03\x04 not really a zip')
    with pytest.raises(ValueError, match='it cannot be read as one'):
        checkpoint.load(path)
