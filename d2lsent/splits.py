"""The data of a run: which reviews train, validate and test (``split_indices``), and
their minibatches (``make_splits``)."""
import numpy as np

from . import imdb
from .batching import Buckets, Minibatches


def _subset(n, limit, rng):
    """Indices of ``limit`` examples drawn evenly from both classes (all if 0)."""
    if not limit or limit >= n:
        return np.arange(n)
    # Positive reviews come first in the arrays: take half from each half.
    half = n // 2
    return np.sort(np.concatenate([rng.choice(half, limit // 2, replace=False),
                                   half + rng.choice(half, limit - limit // 2,
                                                     replace=False)]))


def _whole_movies(movies, size, rng):
    """A mask over ``movies`` (one per review) that holds out the reviews of movies
    drawn at random until they number at least ``size``."""
    names, counts = np.unique(movies, return_counts=True)
    order = rng.permutation(len(names))
    num_movies = np.searchsorted(np.cumsum(counts[order]), size) + 1 if size else 0
    return np.isin(movies, names[order[:num_movies]])


def split_indices(config, data):
    """``(train_idx, valid_idx, test_idx)``: which reviews of ``data`` (``imdb.ImdbArrays``)
    each split of ``config`` uses.

    The validation reviews are a seeded random part of the training reviews
    (``config.valid_size``, at most a fifth of them), or all the reviews of
    movies drawn at random until there are that many (``valid_split='movie'``);
    ``config.limit`` keeps a class-balanced subset of each split.
    """
    rng = np.random.default_rng(config.seed)
    train_idx = _subset(len(data.train_labels), config.limit, rng)
    test_idx = _subset(len(data.test_labels), config.limit, rng)
    valid_size = min(config.valid_size, len(train_idx) // 5)
    if config.valid_split == 'movie':
        held_out = _whole_movies(data.train_movies[train_idx], valid_size, rng)
        return train_idx[~held_out], train_idx[held_out], test_idx
    train_idx = rng.permutation(train_idx)
    return np.sort(train_idx[valid_size:]), np.sort(train_idx[:valid_size]), test_idx


def batches(config, data, split, idx, shuffle, convert=np.asarray, shard=(0, 1)):
    """Minibatches of the reviews ``idx`` of ``data``'s ``split`` ('train' or 'test') for
    ``config.recipe``: padded to ``num_steps`` (book), or in length buckets (fast)."""
    arrays = (getattr(data, f'{split}_features')[idx], getattr(data, f'{split}_labels')[idx])
    if config.recipe == 'book':
        return Minibatches(arrays, config.batch_size, shuffle, config.seed,
                           convert).shard(*shard)
    return Buckets(arrays, getattr(data, f'{split}_lengths')[idx], config.batch_size,
                   shuffle, config.seed, convert).shard(*shard)


def make_splits(config, convert=np.asarray, shard=(0, 1), data=None):
    """``(train_iter, valid_iter, test_iter, vocab)`` for ``config`` (see ``split_indices``)
    over ``data`` (by default ``imdb.load_imdb`` of ``config``); the vocabulary is built
    from all 25,000 training reviews (the book's, with the default tokenizer).
    ``shard=(rank, num_processes)``: this process's part of every minibatch in
    data-parallel training (``Minibatches.shard``)."""
    data = data or imdb.load_imdb(config.num_steps, tokenizer=config.tokenizer)
    train_idx, valid_idx, test_idx = split_indices(config, data)
    return (batches(config, data, 'train', train_idx, True, convert, shard),
            batches(config, data, 'train', valid_idx, False, convert, shard),
            batches(config, data, 'test', test_idx, False, convert, shard), data.vocab)
