import dataclasses

import numpy as np
import pytest

from d2lsent import training
from d2lsent.training import Config


def test_config_defaults_are_the_books_recipe():
    c = Config()
    assert (c.num_hiddens, c.num_layers, c.batch_size, c.num_steps, c.num_epochs) == \
        (100, 2, 64, 500, 5)
    assert not c.freeze_embedding and c.weight_decay == 0 and c.dropout == 0
    assert c.recipe == 'fast'


@pytest.mark.parametrize('field, value', [('batch_size', 0), ('num_epochs', -1), ('lr', 0),
                                          ('recipe', 'packed'), ('embedding_init', 'zeros'),
                                          ('weight_decay', -1e-4), ('dropout', 1.0),
                                          ('dropout', -0.1), ('valid_split', 'review')])
def test_config_rejects_bad_values(field, value):
    with pytest.raises(ValueError, match=f'{field} must be'):
        Config(**{field: value})
    with pytest.raises(ValueError, match="Unknown tokenizer 'spacy': use one of book, glove"):
        Config(tokenizer='spacy')


def test_splits_are_disjoint_seeded_and_balanced(imdb_data):
    config = Config(limit=1000, valid_size=100, batch_size=50, seed=1)
    train_iter, valid_iter, test_iter, vocab = training.make_splits(config)
    assert (train_iter.num_examples, valid_iter.num_examples, test_iter.num_examples) == \
        (900, 100, 1000)
    assert vocab is imdb_data.vocab
    rows = lambda it: {tuple(x[:20]) for X, *_ in it for x in X}
    assert not rows(train_iter) & rows(valid_iter)
    assert np.concatenate([y for _, y, _ in test_iter]).sum() == 500
    again = training.make_splits(config)[1]
    assert rows(again) == rows(valid_iter)


@pytest.mark.parametrize('limit, valid_size', [(0, 2500), (1000, 100)])
def test_validation_by_movie_holds_out_whole_movies(imdb_data, limit, valid_size):
    config = Config(valid_split='movie', limit=limit, valid_size=valid_size, seed=1)
    train_idx, valid_idx, test_idx = training.split_indices(config, imdb_data)
    movies = imdb_data.train_movies
    assert not set(movies[train_idx]) & set(movies[valid_idx])
    assert valid_size <= len(valid_idx) < valid_size + 30  # whole movies of <= 30 reviews
    assert len(train_idx) + len(valid_idx) == (limit or 25_000)
    assert len(np.union1d(train_idx, valid_idx)) == (limit or 25_000)
    assert (np.diff(train_idx) > 0).all() and (np.diff(valid_idx) > 0).all()
    again = training.split_indices(config, imdb_data)
    assert all((a == b).all() for a, b in zip(again, (train_idx, valid_idx, test_idx)))
    other = training.split_indices(dataclasses.replace(config, seed=2), imdb_data)[1]
    assert not np.array_equal(other, valid_idx)
    random = training.split_indices(Config(limit=limit, valid_size=valid_size, seed=1),
                                    imdb_data)
    assert (random[2] == test_idx).all()  # the test subset does not depend on the split


@pytest.mark.parametrize('recipe', ['fast', 'book'])
def test_full_split_sizes(imdb_data, recipe):
    train_iter, valid_iter, test_iter, _ = training.make_splits(Config(recipe=recipe))
    assert (train_iter.num_examples, valid_iter.num_examples, test_iter.num_examples) == \
        (22_500, 2_500, 25_000)
    X = next(iter(test_iter))[0]
    if recipe == 'book':  # every review padded to 500 steps, 56.3% padding
        assert X.shape == (64, 500)
    else:  # length buckets: the shortest test reviews first, 0.3% padding
        assert X.shape == (64, imdb_data.test_lengths[np.argsort(imdb_data.test_lengths)[63]])
        assert train_iter.padding_fraction() < 0.003 and test_iter.padding_fraction() < 0.003


def test_history_and_accumulator():
    acc = training.Accumulator(2)
    acc.add(1, 2)
    acc.add(3, 4)
    assert (acc[0], acc[1]) == (4, 6)
    h = training.History()
    h.add(epoch=1, test_acc=0.5)
    h.add(epoch=2, test_acc=0.75)
    assert h['test_acc'] == [0.5, 0.75]
    assert '"epoch": 2' in h.to_json()


def test_plot_history_draws_loss_and_accuracies():
    from d2lsent.plot import plot_history
    h = training.History()
    for epoch in (1, 2):
        h.add(epoch=epoch, train_loss=0.7 / epoch, train_acc=0.6, valid_acc=0.55, test_acc=0.5)
    fig = plot_history(h)
    loss_ax, acc_ax = fig.axes
    assert len(loss_ax.lines) == 1 and len(acc_ax.lines) == 3
    assert list(acc_ax.lines[2].get_ydata()) == [0.5, 0.5]


def test_describe_machine_names_cpus_and_date():
    import os
    import time
    text = training.describe_machine()
    assert text.startswith(f'{os.cpu_count()} x ') and time.strftime('%Y-%m-%d') in text
    if os.path.exists('/proc/cpuinfo'):  # Linux: which generation, which vector units
        assert ' (family ' in text and 'AVX' in text


def _scripted_run(valid_accs, keep_best):
    """train_epochs with a fake model whose parameter counts the epochs trained."""
    params = {'w': np.zeros(1)}
    scores = iter(a for acc in valid_accs for a in (acc, acc - 0.01))  # valid, test

    def step(X, y):
        params['w'] += 1  # one batch per epoch
        return 0.5 * len(y), len(y), len(y)

    def set_params(new):
        params.update(new)
    config = Config(num_epochs=len(valid_accs), keep_best_epoch=keep_best)
    batches = [(np.zeros((2, 3)), np.zeros(2))]
    history = training.train_epochs(step, lambda it: next(scores), batches, None, None,
                                    config, set_params=set_params,
                                    get_params=lambda: {k: v.copy() for k, v in params.items()})
    return history, params['w'][0]


def test_keep_best_epoch_restores_the_best_validation_epoch():
    history, w = _scripted_run([0.80, 0.86, 0.84, 0.85], keep_best=True)
    assert history.selected_epoch == 2 and w == 2  # the parameters after epoch 2
    assert history.summary()['selected_epoch'] == 2
    assert history.summary()['test_acc'] == pytest.approx(0.85)
    history, w = _scripted_run([0.80, 0.86, 0.84, 0.85], keep_best=False)
    assert history.selected_epoch is None and w == 4
    summary = history.summary()
    assert (summary['selected_epoch'], summary['valid_acc']) == (4, 0.85)
    assert summary['train_seconds'] == pytest.approx(sum(history['train_seconds']))


def test_keep_best_epoch_needs_the_parameter_functions():
    with pytest.raises(ValueError, match='keep_best_epoch needs get_params'):
        training.train_epochs(None, None, [], None, None, Config(keep_best_epoch=True))
