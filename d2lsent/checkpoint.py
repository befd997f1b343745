"""Checkpoints that any backend can read: weights, vocabulary and configuration together.

One ``.npz`` file holds every parameter as a numpy array under the PyTorch
parameter names, plus the vocabulary and the configuration as JSON. It is
written to a temporary file and renamed, so a crash never leaves half a file.
Reading checks the header (a small member) first, then reads the parameters only if
the zip's sizes fit the model that the header describes.
"""
import dataclasses
import json
import pathlib

import numpy as np

from . import files
from .files import atomic_write
from .text import Vocab
from .config import NAMES, num_parameters, recorded

FORMAT = 'd2lsent-checkpoint-1'
MAX_HEADER_BYTES = 64 * 2**20  # numpy keeps text as 4 bytes a character: a million tokens fit
BYTES_PER_PARAMETER = 8  # float64, the widest floats a checkpoint may hold
SLACK_BYTES = 2**20  # each array's own .npy header


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
    that is not one, is damaged, or holds more than the model its header describes, is
    a ``ValueError`` that names it and the reason. The header is read and checked first,
    the parameters only once the zip's sizes fit the model that it describes."""
    path = pathlib.Path(path)
    if not path.exists():
        raise FileNotFoundError(f'No checkpoint at {path}: give the model.npz '
                                f'of a run folder (python -m d2lsent train writes one).')
    try:
        header = _read_header(path)
        config, vocab = _settings(header)
        params = _read_params(path, config, len(vocab))
    except ValueError as e:  # each reason without the file's name: said once, here
        reason = e.reason if isinstance(e, files.UnreadableFile) else str(e)
        raise ValueError(files.sentence(f'{path} is not a usable d2lsent checkpoint: '
                                        f'{reason}')) from e
    return params, vocab, config, header


def _read_header(path):
    """The header of the checkpoint ``path``: a JSON object of this ``FORMAT`` with its
    settings and tokens, read alone (a ``ValueError`` says what is wrong)."""
    text = files.read_npz(path, MAX_HEADER_BYTES, ['__header__'])['__header__']
    if text.dtype.kind != 'U' or text.ndim != 0:
        raise ValueError(f'its header is an array of {text.dtype}, not a JSON text')
    try:
        header = json.loads(str(text))
    except (json.JSONDecodeError, RecursionError) as e:  # Recursion: nested too deep
        raise ValueError(f'its header is not valid JSON ({type(e).__name__}: {e})') from e
    if not isinstance(header, dict):
        raise ValueError(f'its header is not a JSON object but {json.dumps(header)[:40]}')
    if header.get('format') != FORMAT:
        raise ValueError(f"its format is {header.get('format')!r}, expected {FORMAT!r}")
    missing = sorted({'config', 'idx_to_token'} - set(header))
    if missing:
        raise ValueError(f"its header lacks {', '.join(missing)}")
    return header


def _settings(header):
    """The ``Config`` and the ``Vocab`` of a checkpoint's ``header``, checked."""
    settings, tokens = header['config'], header['idx_to_token']
    if not isinstance(settings, dict):
        raise ValueError('its configuration is not a JSON object of settings')
    unknown = sorted(set(settings) - set(NAMES))
    if unknown:
        raise ValueError(f"its configuration has unknown settings {', '.join(unknown)} "
                         f'(written by a newer d2lsent?)')
    if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
        raise ValueError('its vocabulary is not a list of tokens')
    try:
        config = recorded(settings)
    except ValueError as e:
        raise ValueError(f'its configuration is invalid: {e}') from e
    try:
        return config, Vocab.from_idx_to_token(tokens, config.tokenizer, config.num_steps)
    except ValueError as e:
        raise ValueError(f'its vocabulary is invalid: {e}') from e


def _read_params(path, config, vocab_size):
    """The parameters of the checkpoint ``path`` as float32 arrays, read only once the
    zip's sizes fit the model of ``config`` with ``vocab_size`` tokens."""
    shapes = files.npz_shapes(path)
    embedding = shapes.get('param:embedding.weight')
    if embedding is None:
        raise ValueError('it has no parameter embedding.weight (the word vectors)')
    if len(embedding) != 2 or embedding[0] != vocab_size:
        raise ValueError(f'its embedding.weight has shape {embedding}, expected '
                         f'({vocab_size}, width) for its {vocab_size:,} tokens')
    config.check_model_size(vocab_size, embedding[1])
    most = SLACK_BYTES + BYTES_PER_PARAMETER * num_parameters(
        vocab_size, embedding[1], config.num_hiddens, config.num_layers)
    names = [name for name in shapes if name.startswith('param:')]
    params = {name[len('param:'):]: value
              for name, value in files.read_npz(path, most, names).items()}
    for name, value in params.items():
        if value.dtype.kind != 'f':
            raise ValueError(f'parameter {name} has dtype {value.dtype}, expected floats')
        if not np.isfinite(value).all():
            raise ValueError(f'parameter {name} holds NaN or infinite values (did '
                             f'training diverge?)')
    return {k: v.astype(np.float32, copy=False) for k, v in params.items()}  # float16 too


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
