import numpy as np
import pytest

from d2lsent import training
from d2lsent.config import Config


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
