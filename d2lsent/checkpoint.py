"""Checkpoints that any backend can read: weights, vocabulary and configuration together.

One ``.npz`` file holds every parameter as a numpy array under the PyTorch
parameter names, plus the vocabulary and the configuration as JSON. It is
written to a temporary file and renamed, so a crash never leaves half a file.
"""
import dataclasses
import json
import pathlib
import zipfile

import numpy as np

from .files import atomic_write
from .text import Vocab
from .config import NAMES, recorded

FORMAT = 'd2lsent-checkpoint-1'


def save(path, params, vocab, config, **meta):
    """Write ``params`` (name -> numpy array), ``vocab`` and ``config`` to ``path``."""
    header = dict(format=FORMAT, config=dataclasses.asdict(config),
                  idx_to_token=vocab.idx_to_token, **meta)
    with atomic_write(path, 'wb', suffix='.npz') as f:
        np.savez(f, __header__=np.array(json.dumps(header)),
                 **{f'param:{k}': v for k, v in params.items()})
    return pathlib.Path(path)


def load(path):
    """``(params, vocab, config, header)`` from a checkpoint written by ``save``; a file
    that is not one, or is damaged, is a ``ValueError`` that names it and the reason."""
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f'No checkpoint at {path}: give the model.npz '
                                f'of a run folder (python -m d2lsent train writes one).')

    def refuse(reason):
        return ValueError(f'{path} is not a usable d2lsent checkpoint: {reason}.')
    try:
        with np.load(path) as f:  # allow_pickle=False: no code runs from the file
            header = json.loads(str(f['__header__']))
            params = {k[len('param:'):]: f[k] for k in f.files if k.startswith('param:')}
    except (ValueError, KeyError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise refuse(f'it cannot be read as one ({type(e).__name__}: {e}): is it '
                     f'truncated, or another kind of file') from e
    found = header.get('format') if isinstance(header, dict) else None
    if found != FORMAT:
        raise refuse(f'its format is {found!r}, expected {FORMAT!r}')
    missing = sorted({'config', 'idx_to_token'} - set(header))
    if missing:
        raise refuse(f"its header lacks {', '.join(missing)}")
    known = set(NAMES)
    unknown = sorted(set(header['config']) - known)
    if unknown:
        raise refuse(f"its configuration has unknown settings {', '.join(unknown)} "
                     f'(written by a newer d2lsent?)')
    tokens = header['idx_to_token']
    if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
        raise refuse('its vocabulary is not a list of tokens')
    for name, value in params.items():
        if value.dtype.kind != 'f':
            raise refuse(f'parameter {name} has dtype {value.dtype}, expected floats')
        if not np.isfinite(value).all():
            raise refuse(f'parameter {name} holds NaN or infinite values (did training '
                         f'diverge?)')
    params = {k: v.astype(np.float32, copy=False) for k, v in params.items()}  # float16 too
    try:
        config = recorded(header['config'])
    except ValueError as e:
        raise refuse(f'its configuration is invalid: {e}') from e
    return params, Vocab.from_idx_to_token(tokens), config, header


def check_vocab(saved, vocab, path):
    """Raise a clear error unless the checkpoint's vocabulary ``saved`` is ``vocab``."""
    if saved.idx_to_token != vocab.idx_to_token:
        raise ValueError(f'{path} was trained with another vocabulary '
                         f'({len(saved)} tokens, this one has {len(vocab)}).')


def check_shapes(params, expected, path):
    """Raise a clear error unless ``params`` has exactly the ``expected`` shapes."""
    if set(params) != set(expected):
        raise ValueError(f'{path}: parameters {sorted(set(params) ^ set(expected))} '
                         f'do not match the model.')
    for name, shape in expected.items():
        if tuple(params[name].shape) != tuple(shape):
            raise ValueError(f'{path}: parameter {name} has shape {params[name].shape}, '
                             f'the model expects {tuple(shape)} (vocabulary or '
                             f'configuration differ).')


def save_model(backend, net, vocab, config, path, **meta):
    """Save ``net``'s weights (PyTorch names), ``vocab`` and ``config`` to ``path`` (``.npz``)."""
    return save(path, backend.get_params(net), vocab, config, backend=backend.NAME, **meta)


def load_model(backend, path, vocab=None, device=None):
    """``(net, vocab, config)`` from ``path``, saved by either backend; with ``vocab``,
    check that the checkpoint's vocabulary is the same."""
    params, saved_vocab, config = load(path)[:3]
    if vocab is not None:
        check_vocab(saved_vocab, vocab, path)
    net = backend.new_model(len(saved_vocab), params['embedding.weight'].shape[1], config,
                            device)
    check_shapes(params, {k: v.shape for k, v in backend.get_params(net).items()}, path)
    backend.set_params(net, params)
    return net, saved_vocab, config
