import numpy as np
import pytest

from d2lsent.batching import Minibatches


def test_every_example_once_per_epoch_and_epochs_differ():
    x = np.arange(103)
    batches = Minibatches((x, x * 2), batch_size=10, shuffle=True, seed=1)
    assert len(batches) == 11
    epochs = []
    for _ in range(2):
        seen = [(a, b) for a, b in batches]
        assert [len(a) for a, _ in seen] == [10] * 10 + [3]
        assert all((b == 2 * a).all() for a, b in seen)
        order = np.concatenate([a for a, _ in seen])
        assert sorted(order) == list(range(103))
        epochs.append(order)
    assert (epochs[0] != epochs[1]).any()


def test_same_seed_same_order_and_no_shuffle_keeps_order():
    x = np.arange(50)
    first = [a for a, in Minibatches((x,), 8, shuffle=True, seed=3)]
    again = [a for a, in Minibatches((x,), 8, shuffle=True, seed=3)]
    other = [a for a, in Minibatches((x,), 8, shuffle=True, seed=4)]
    assert all((a == b).all() for a, b in zip(first, again))
    assert any((a != b).any() for a, b in zip(first, other))
    ordered = np.concatenate([a for a, in Minibatches((x,), 8)])
    assert (ordered == x).all()


def test_convert_is_applied():
    batch = next(iter(Minibatches((np.arange(4),), 2, convert=list)))
    assert batch == ([0, 1],)


def test_bad_arguments():
    with pytest.raises(ValueError, match=r'same length, got \[2, 3\]'):
        Minibatches((np.zeros(2), np.zeros(3)), 1)
    with pytest.raises(ValueError, match='at least 1, got 0'):
        Minibatches((np.zeros(2),), 0)
