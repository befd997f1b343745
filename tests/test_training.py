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


def test_learning_rate_warms_up_then_falls_along_a_cosine_to_zero():
    constant = Config(lr=0.002, lr_schedule='constant', num_epochs=5)
    assert [training.learning_rate(constant, t) for t in (0.1, 2.5, 4.9)] == [0.002] * 3
    config = Config(lr=0.002, lr_schedule='warmup-cosine', num_epochs=5)
    rate = lambda t: training.learning_rate(config, t)  # noqa: E731
    half = training.WARMUP_EPOCHS / 2
    cosine = lambda t: 0.002 * (1 + np.cos(np.pi * t / 5)) / 2  # noqa: E731
    assert rate(half) == pytest.approx(cosine(half) / 2)  # halfway up the warm-up
    assert rate(training.WARMUP_EPOCHS) == pytest.approx(cosine(training.WARMUP_EPOCHS))
    assert rate(2.5) == pytest.approx(0.001)  # the cosine's middle: half the highest rate
    assert rate(5) == pytest.approx(0, abs=1e-12)
    times = np.linspace(0.01, 5, 500)
    rates = [rate(t) for t in times]
    assert max(rates) <= 0.002
    peak = int(np.argmax(rates))
    assert times[peak] == pytest.approx(training.WARMUP_EPOCHS, abs=0.02)
    assert np.all(np.diff(rates[:peak]) > 0) and np.all(np.diff(rates[peak:]) < 0)


def test_train_epochs_sets_each_updates_learning_rate_by_the_schedule():
    """Four minibatches per epoch: each update gets the rate at its middle."""
    rates = []

    def step(X, y):
        return 0.5 * len(y), len(y), len(y)
    step.set_learning_rate = rates.append
    batches = [(np.zeros((2, 3)), np.zeros(2))] * 4
    for schedule, expected in [('constant', []), ('warmup-cosine', [
            training.learning_rate(Config(lr_schedule='warmup-cosine', num_epochs=2),
                                   e + (i + 0.5) / 4) for e in range(2) for i in range(4)])]:
        rates.clear()
        config = Config(num_epochs=2, lr_schedule=schedule, keep_best_epoch=False)
        training.train_epochs(step, lambda it: 0.5, batches, None, None, config)
        assert rates == pytest.approx(expected) and len(rates) == len(expected)
    assert rates[0] < rates[1] and rates[-1] < rates[-2]  # rising, then falling
