"""Minibatches over numpy arrays, shared by both backends.

The order of the examples is drawn with numpy from a seed, so the PyTorch and
the MXNet iterators built with the same seed yield the same examples in the
same order; only the final conversion to a framework tensor differs. In data
parallel training (several processes) every process builds the same iterator and
keeps its own part of each minibatch (``shard``).
"""
import numpy as np


class Minibatches:
    """Iterate over ``arrays`` (equal first dimension) in minibatches.

    With ``shuffle=True`` every pass (epoch) draws a new order from a generator
    seeded once with ``seed``: epochs differ, runs repeat. The last batch may be
    smaller, as in the book. ``convert`` turns each numpy batch into a tensor.
    """

    def __init__(self, arrays, batch_size, shuffle=False, seed=0,
                 convert=np.asarray):
        sizes = {len(a) for a in arrays}
        if len(sizes) != 1:
            raise ValueError(f'All arrays need the same length, got {sorted(sizes)}.')
        if batch_size < 1:
            raise ValueError(f'batch_size must be at least 1, got {batch_size}.')
        self.arrays, self.batch_size = arrays, batch_size
        self.shuffle, self.convert = shuffle, convert
        self.num_examples = sizes.pop()
        self._rng = np.random.default_rng(seed)
        self.rank, self.num_shards = 0, 1

    def random_state(self):
        """The state of the generator that orders the passes (a run resumes from it)."""
        return self._rng.bit_generator.state

    def set_random_state(self, state):
        self._rng.bit_generator.state = state

    def __len__(self):
        num_batches = -(-self.num_examples // self.batch_size)  # ceiling division
        last = self.num_examples % self.batch_size
        if num_batches > 1 and 0 < last < self.num_shards:  # joins another (shard)
            num_batches -= 1
        return num_batches

    def shard(self, rank, num_shards):
        """Keep only process ``rank``'s part of every minibatch (of ``num_shards``).

        Every process draws the same passes (same seed) and takes every
        ``num_shards``-th example of each minibatch from position ``rank``: the
        processes together see every example exactly once per pass, in
        minibatches that add up to those of one process. A minibatch with fewer
        examples than processes (only ever the last, smaller one) joins the one
        before it, so that no process gets an empty minibatch. Returns ``self``.
        """
        if not 0 <= rank < num_shards:
            raise ValueError(f'rank must lie in [0, {num_shards}), got {rank}.')
        if min(self.batch_size, self.num_examples) < num_shards:
            raise ValueError(f'Minibatches of {self.batch_size} from {self.num_examples} '
                             f'examples cannot feed {num_shards} processes: give each '
                             f'process at least one example per minibatch.')
        self.rank, self.num_shards = rank, num_shards
        return self

    def _pass(self):
        """The index arrays of one whole pass (all processes), in order."""
        order = (self._rng.permutation(self.num_examples) if self.shuffle
                 else np.arange(self.num_examples))
        return [order[i:i + self.batch_size]
                for i in range(0, self.num_examples, self.batch_size)]

    def indices(self):
        """The index arrays of one pass, in order (this process's part, see ``shard``)."""
        batches = self._pass()
        if self.num_shards == 1:
            return batches
        for i, batch in enumerate(batches):
            if len(batch) < self.num_shards:  # only the pass's one smaller minibatch can be
                other = i - 1 if i else 1
                batches[other] = np.concatenate([batches[other], batch])
                del batches[i]
                break
        return [b[self.rank::self.num_shards] for b in batches]

    def __iter__(self):
        for idx in self.indices():
            yield tuple(self.convert(a[idx]) for a in self.arrays)


class Buckets(Minibatches):
    """Minibatches of reviews of similar length, padded only to the longest one.

    ``arrays`` are ``(features, labels)`` with the features padded to a common
    width, ``lengths`` the real length of each review. One pass sorts the
    reviews by length (ties in a random order when shuffling), cuts the sorted
    list into minibatches and, when shuffling, visits the minibatches in a
    random order. Each minibatch is ``(X, y, lengths)`` with ``X`` cut to the
    longest review in it, so a batch of short reviews costs little.
    """

    def __init__(self, arrays, lengths, batch_size, shuffle=False, seed=0,
                 convert=np.asarray):
        super().__init__((*arrays, lengths), batch_size, shuffle, seed, convert)
        if len(arrays) != 2 or np.ndim(arrays[0]) != 2:
            raise ValueError('Buckets needs (features, labels) with 2-d features.')
        if len(lengths) and not 1 <= lengths.min() <= lengths.max() <= arrays[0].shape[1]:
            raise ValueError(f'Lengths must lie in [1, {arrays[0].shape[1]}], got '
                             f'[{lengths.min()}, {lengths.max()}].')

    def _pass(self):
        lengths = self.arrays[2]
        order = (self._rng.permutation(self.num_examples) if self.shuffle
                 else np.arange(self.num_examples))
        order = order[np.argsort(lengths[order], kind='stable')]
        batches = [order[i:i + self.batch_size]
                   for i in range(0, self.num_examples, self.batch_size)]
        if self.shuffle:
            batches = [batches[i] for i in self._rng.permutation(len(batches))]
        return batches

    def __iter__(self):
        features, labels, lengths = self.arrays
        for idx in self.indices():
            width = lengths[idx].max()
            yield (self.convert(features[idx, :width]), self.convert(labels[idx]),
                   self.convert(lengths[idx]))

    def padding_fraction(self):
        """Share of the positions in one pass that hold padding, not tokens."""
        lengths = np.sort(self.arrays[2])  # the shuffled passes pad the same
        widths = lengths[self.batch_size - 1::self.batch_size]
        padded = self.batch_size * widths.sum()
        if len(lengths) % self.batch_size:  # the last, smaller batch
            padded += len(lengths) % self.batch_size * lengths[-1]
        return 1 - lengths.sum() / padded
