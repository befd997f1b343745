import dataclasses
import json
import re
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

from d2lsent import checkpoint
from d2lsent.config import Config
from d2lsent.text import Vocab

from test_files import special_file


def test_round_trip(tmp_path):
    vocab = Vocab([['a', 'b', 'b']])
    params = {'embedding.weight': np.arange(6, dtype=np.float16).reshape(3, 2),
              'w': np.arange(6, dtype=np.float32).reshape(2, 3)}
    path = checkpoint.save(tmp_path / 'run' / 'model.npz', params, vocab,
                           Config(lr=0.5), backend='torch')
    loaded, vocab2, config, header = checkpoint.load(path)
    assert (loaded['w'] == params['w']).all() and loaded['w'].dtype == np.float32
    assert loaded['embedding.weight'].dtype == np.float32  # float16 (pretrained) is widened
    assert vocab2.idx_to_token == vocab.idx_to_token and vocab2['b'] == vocab['b']
    assert config == Config(lr=0.5) and header['backend'] == 'torch'
    assert sorted(p.name for p in path.parent.iterdir()) == ['model.npz']


def test_bad_checkpoints(tmp_path):
    with pytest.raises(FileNotFoundError, match='No checkpoint at .*missing.npz'):
        checkpoint.load(tmp_path / 'missing.npz')
    junk = tmp_path / 'junk.npz'
    junk.write_bytes(b'not a zip')
    with pytest.raises(ValueError, match='junk.npz is not a usable d2lsent checkpoint: it '
                                         r'is not a complete .npz file \(BadZipFile'):
        checkpoint.load(junk)


def test_check_shapes_names_the_parameter():
    params = {'embedding.weight': np.zeros((10, 4))}
    with pytest.raises(ValueError, match=r'embedding.weight has shape \(10, 4\).*\(12, 4\)'):
        checkpoint.check_shapes(params, {'embedding.weight': (12, 4)}, 'm.npz')
    with pytest.raises(ValueError, match='do not match'):
        checkpoint.check_shapes(params, {'decoder.weight': (2, 4)}, 'm.npz')


def _checkpoint(path, header=None, text=None, **params):
    """Write a checkpoint by hand: a valid one, unless ``header`` (keys that replace the
    good header's), ``text`` (the header's JSON) or ``params`` (replacing the default
    ones; ``None`` leaves one out) differ."""
    good = dict(format=checkpoint.FORMAT, config=dataclasses.asdict(Config()),
                idx_to_token=['<unk>', 'film'])
    params = {'embedding.weight': np.zeros((2, 4), np.float32),
              'decoder.bias': np.zeros(2, np.float32), **params}
    arrays = {f'param:{k}': v for k, v in params.items() if v is not None}
    text = text if text is not None else json.dumps({**good, **(header or {})})
    with open(path, 'wb') as f:
        np.savez(f, __header__=np.array(text), **arrays)
    return path


def _add_zeros(path, name, dtype, shape):
    """Add to the .npz ``path`` the array ``name`` of zeros, deflated: a file of a few
    hundred kB whose member unpacks to tens of MB."""
    with zipfile.ZipFile(path, 'a', zipfile.ZIP_DEFLATED) as z, \
            z.open(f'{name}.npy', 'w', force_zip64=True) as f:
        np.lib.format.write_array_header_1_0(f, dict(descr=np.dtype(dtype).str,
                                                     fortran_order=False, shape=shape))
        size, chunk = np.dtype(dtype).itemsize * int(np.prod(shape)), bytes(2**22)
        for start in range(0, size, len(chunk)):
            f.write(chunk[:size - start])
    return path


def _refused_cheaply(path, reason):
    """Assert that loading ``path`` is refused with ``reason`` in under 2 s, having
    allocated under 5 MB (a member of tens of MB was never read)."""
    began = time.monotonic()
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=f'model.npz is not a usable d2lsent '
                                             f'checkpoint: {reason}'):
            checkpoint.load(path)
        assert tracemalloc.get_traced_memory()[1] < 5_000_000
    finally:
        tracemalloc.stop()
    assert time.monotonic() - began < 2


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
    with pytest.raises(ValueError, match='it is not a complete .npz file'):
        checkpoint.load(path)


@pytest.mark.parametrize('text, reason', [
    ('["d2lsent-checkpoint-1"]',
     r'its header is not a JSON object but \["d2lsent-checkpoint-1"\]'),
    ('7', 'its header is not a JSON object but 7'),
    ('[' * 100_000 + ']' * 100_000, r'its header is not valid JSON \(RecursionError'),
    ('{"format": ', r'its header is not valid JSON \(JSONDecodeError'),
])
def test_a_header_that_is_not_a_json_object_is_refused(tmp_path, text, reason):
    path = _checkpoint(tmp_path / 'model.npz', text=text)
    with pytest.raises(ValueError, match=f'model.npz is not a usable d2lsent checkpoint: '
                                         f'{reason}'):
        checkpoint.load(path)


@pytest.mark.parametrize('header, params, reason', [
    ({'config': [1, 2]}, {}, 'its configuration is not a JSON object of settings'),
    ({'config': 3}, {}, 'its configuration is not a JSON object of settings'),
    ({'idx_to_token': ['film', 'good']}, {},
     "its vocabulary is invalid: A vocabulary needs the token '<unk>'"),
    (None, {'embedding.weight': None},
     r'it has no parameter embedding.weight \(the word vectors\)'),
    (None, {'embedding.weight': np.zeros((3, 4), np.float32)},
     r'its embedding.weight has shape \(3, 4\), expected \(2, width\) for its 2 tokens'),
    ({'config': {'num_hiddens': 4096, 'num_layers': 16}}, {},
     'A model of 2 tokens x 4 dimensions, 16 layers of 4096 units has 6,175,227,914 '
     'parameters, more than the 50,000,000'),
])
def test_what_would_end_in_a_traceback_is_refused_with_the_reason(tmp_path, header, params,
                                                                   reason):
    path = _checkpoint(tmp_path / 'model.npz', header, **params)
    with pytest.raises(ValueError, match=f'model.npz is not a usable d2lsent checkpoint: '
                                         f'{reason}'):
        checkpoint.load(path)


@pytest.mark.parametrize('kind', ['FIFO', 'device', 'folder'])
def test_what_is_not_a_regular_file_is_refused(tmp_path, kind):
    path, said = special_file(tmp_path, kind)
    with pytest.raises(ValueError, match=re.escape(
            f'{path} is not a usable d2lsent checkpoint: it is {said}, not a regular')):
        checkpoint.load(path)


def test_a_huge_parameter_is_refused_before_it_is_read(tmp_path):
    """The model of the header (2 tokens x 4, 2 layers of 100 units) holds 327,210
    parameters: a member of 64 MB is refused from the zip's directory alone."""
    path = _add_zeros(_checkpoint(tmp_path / 'model.npz'), 'param:decoder.weight',
                      np.float32, (16_000_000,))
    assert path.stat().st_size < 1_000_000
    _refused_cheaply(path, 'its array param:decoder.weight unpacks to 64,000,128 bytes, '
                           'more than the 3,666,256 it may hold')


def test_a_huge_header_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / 'model.npz'
    np.savez(path, **{'param:embedding.weight': np.zeros((2, 4), np.float32)})
    _add_zeros(path, '__header__', '<U20000000', ())  # 80 MB of text
    _refused_cheaply(path, 'its array __header__ unpacks to 80,000,128 bytes, more than '
                           'the 67,108,864')


@pytest.mark.parametrize('setting, value', [('num_hiddens', 6000), ('num_layers', 100_000),
                                            ('num_steps', 1_000_000_000)])
def test_huge_sizes_in_the_header_are_refused_before_the_parameters_are_read(
        tmp_path, setting, value):
    path = _add_zeros(_checkpoint(tmp_path / 'model.npz', {'config': {setting: value}}),
                      'param:encoder.weight_hh_l0', np.float32, (16_000_000,))
    _refused_cheaply(path, f'its configuration is invalid: {setting} .* must be .*at most')
