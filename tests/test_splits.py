import dataclasses

import numpy as np
import pytest

from d2lsent import splits
from d2lsent.config import Config


def test_splits_are_disjoint_seeded_and_balanced(imdb_data):
    config = Config(limit=1000, valid_size=100, batch_size=50, seed=1, tokenizer='book')
    train_iter, valid_iter, test_iter, vocab = splits.make_splits(config)
    assert (train_iter.num_examples, valid_iter.num_examples, test_iter.num_examples) == \
        (900, 100, 1000)
    assert vocab.idx_to_token == imdb_data.vocab.idx_to_token
    rows = lambda it: {tuple(x[:20]) for X, *_ in it for x in X}
    assert not rows(train_iter) & rows(valid_iter)
    assert np.concatenate([y for _, y, _ in test_iter]).sum() == 500
    again = splits.make_splits(config)[1]
    assert rows(again) == rows(valid_iter)


@pytest.mark.parametrize('limit, valid_size', [(0, 2500), (1000, 100)])
def test_validation_by_movie_holds_out_whole_movies(imdb_data, limit, valid_size):
    config = Config(valid_split='movie', limit=limit, valid_size=valid_size, seed=1)
    train_idx, valid_idx, test_idx = splits.split_indices(config, imdb_data)
    movies = imdb_data.train_movies
    assert not set(movies[train_idx]) & set(movies[valid_idx])
    assert valid_size <= len(valid_idx) < valid_size + 30  # whole movies of <= 30 reviews
    assert len(train_idx) + len(valid_idx) == (limit or 25_000)
    assert len(np.union1d(train_idx, valid_idx)) == (limit or 25_000)
    assert (np.diff(train_idx) > 0).all() and (np.diff(valid_idx) > 0).all()
    again = splits.split_indices(config, imdb_data)
    assert all((a == b).all() for a, b in zip(again, (train_idx, valid_idx, test_idx)))
    other = splits.split_indices(dataclasses.replace(config, seed=2), imdb_data)[1]
    assert not np.array_equal(other, valid_idx)
    random = splits.split_indices(Config(limit=limit, valid_size=valid_size, seed=1),
                                    imdb_data)
    assert (random[2] == test_idx).all()  # the test subset does not depend on the split


@pytest.mark.parametrize('recipe', ['fast', 'book'])
def test_full_split_sizes(imdb_data, recipe):
    train_iter, valid_iter, test_iter, _ = splits.make_splits(Config(recipe=recipe, tokenizer='book'))
    assert (train_iter.num_examples, valid_iter.num_examples, test_iter.num_examples) == \
        (22_500, 2_500, 25_000)
    X = next(iter(test_iter))[0]
    if recipe == 'book':  # every review padded to 500 steps, 56.3% padding
        assert X.shape == (64, 500)
    else:  # length buckets: the shortest test reviews first, 0.3% padding
        assert X.shape == (64, imdb_data.test_lengths[np.argsort(imdb_data.test_lengths)[63]])
        assert train_iter.padding_fraction() < 0.003 and test_iter.padding_fraction() < 0.003
