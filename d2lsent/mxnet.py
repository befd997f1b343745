"""MXNet (Gluon) backend: ``from d2lsent import mxnet as d2l``.

Uses MXNet's numpy interface (``npx.set_np()``), as d2l does. Everything
framework-neutral lives in the other modules of ``d2lsent`` and is re-exported.
"""
from mxnet import np, npx

from . import imdb
from .batching import Minibatches
from .glove import TokenEmbedding, coverage
from .imdb import read_imdb
from .text import Vocab, tokenize, truncate_pad

npx.set_np()

__all__ = ['Minibatches', 'TokenEmbedding', 'Vocab', 'coverage', 'load_array',
           'load_data_imdb', 'read_imdb', 'to_tensor', 'tokenize', 'truncate_pad']


def to_tensor(array):
    """A numpy array as an MXNet ndarray of the same dtype (token ids stay integers)."""
    return np.array(array, dtype=array.dtype)


def load_array(data_arrays, batch_size, is_train=True, seed=0):
    """Minibatches of MXNet ndarrays over numpy arrays, reshuffled per epoch if training."""
    return Minibatches(data_arrays, batch_size, shuffle=is_train, seed=seed,
                       convert=to_tensor)


def load_data_imdb(batch_size, num_steps=500, seed=0):
    """``(train_iter, test_iter, vocab)``; batches are ``(X, y)``, X int32 ``(batch, num_steps)``."""
    return imdb.load_data_imdb(batch_size, num_steps, seed, convert=to_tensor)
