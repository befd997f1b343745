import numpy as np
import pytest

from d2lsent.batching import Buckets, Minibatches


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


def test_buckets_cover_every_review_once_padded_to_the_longest():
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 21, size=103)
    features = np.arange(103 * 20).reshape(103, 20)
    labels = np.arange(103)
    buckets = Buckets((features, labels), lengths, batch_size=10, shuffle=True, seed=1)
    assert len(buckets) == 11
    epochs = []
    for _ in range(2):
        seen = list(buckets)
        for X, y, lens in seen:
            assert X.shape == (len(y), lens.max())
            assert (X == features[y, :lens.max()]).all() and (lens == lengths[y]).all()
        order = np.concatenate([y for _, y, _ in seen])
        assert sorted(order) == list(range(103))
        # Each batch holds neighbours in length order: batches do not overlap in length.
        spans = sorted((lens.min(), lens.max()) for _, _, lens in seen)
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
        epochs.append(order)
    assert (epochs[0] != epochs[1]).any()
    padded = sum(X.size for X, _, _ in seen)
    assert buckets.padding_fraction() == pytest.approx(1 - lengths.sum() / padded)


def test_buckets_without_shuffle_sort_by_length_and_repeat():
    lengths = np.array([3, 1, 2, 3, 1])
    buckets = Buckets((np.zeros((5, 3)), np.arange(5)), lengths, batch_size=2)
    first = [y.tolist() for _, y, _ in buckets]
    assert first == [[1, 4], [2, 0], [3]] == [y.tolist() for _, y, _ in buckets]


def test_buckets_reject_bad_lengths():
    with pytest.raises(ValueError, match=r'Lengths must lie in \[1, 3\], got \[0, 2\]'):
        Buckets((np.zeros((2, 3)), np.zeros(2)), np.array([0, 2]), 1)


@pytest.mark.parametrize('num_examples, num_shards', [(203, 2), (203, 3), (194, 3)])
def test_shards_split_every_minibatch_between_the_processes(num_examples, num_shards):
    """Data-parallel training: per pass, the processes' minibatches together are those
    of one process (each review exactly once) and every process has as many."""
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 40, num_examples)
    arrays = (np.zeros((num_examples, 40), dtype=np.int32), np.arange(num_examples))

    def make():
        return Buckets(arrays, lengths, 16, shuffle=True, seed=5)
    whole, shards = make(), [make().shard(rank, num_shards) for rank in range(num_shards)]
    for _ in range(2):  # two epochs: a new order each, the same in every process
        passes = [[y for _, y, _ in shard] for shard in shards]
        assert {len(p) for p in passes} == {len(shards[0])}
        assert min(len(y) for p in passes for y in p) >= 1  # no process goes empty
        together = [set(np.concatenate(parts)) for parts in zip(*passes)]
        assert sorted(set().union(*together)) == list(range(num_examples))
        assert sum(map(len, together)) == num_examples
        single = [set(y) for _, y, _ in whole]
        if num_examples % 16 >= num_shards:
            assert together == single
        else:  # 194 = 12 x 16 + 2: the minibatch of 2 joins a neighbour (3 processes)
            apart = [b for b in single if b not in together]
            assert len(together) == len(single) - 1 == len(shards[0])
            assert sorted(map(len, apart)) == [2, 16] and set.union(*apart) in together


def test_shards_need_an_example_per_process():
    batches = Minibatches((np.arange(10),), 4)
    with pytest.raises(ValueError, match='Minibatches of 4 from 10 examples cannot feed 5'):
        batches.shard(0, 5)
    with pytest.raises(ValueError, match=r'rank must lie in \[0, 2\), got 2'):
        batches.shard(2, 2)
