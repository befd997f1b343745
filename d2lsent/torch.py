"""PyTorch backend: ``from d2lsent import torch as d2l``.

Everything framework-neutral (data, vocabulary, GloVe) lives in the other
modules of ``d2lsent`` and is re-exported here, so one import line serves a
notebook, as with ``from d2l import torch as d2l``.
"""
import torch

from . import imdb
from .batching import Minibatches
from .glove import TokenEmbedding, coverage
from .imdb import read_imdb
from .text import Vocab, tokenize, truncate_pad

__all__ = ['Minibatches', 'TokenEmbedding', 'Vocab', 'coverage', 'load_array',
           'load_data_imdb', 'read_imdb', 'tokenize', 'truncate_pad']


def load_array(data_arrays, batch_size, is_train=True, seed=0):
    """Minibatches of torch tensors over numpy arrays, reshuffled per epoch if training."""
    return Minibatches(data_arrays, batch_size, shuffle=is_train, seed=seed,
                       convert=torch.from_numpy)


def load_data_imdb(batch_size, num_steps=500, seed=0):
    """``(train_iter, test_iter, vocab)``; batches are ``(X, y)``, X int32 ``(batch, num_steps)``."""
    return imdb.load_data_imdb(batch_size, num_steps, seed, convert=torch.from_numpy)
