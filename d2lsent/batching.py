"""Minibatches over numpy arrays, shared by both backends.

The order of the examples is drawn with numpy from a seed, so the PyTorch and
the MXNet iterators built with the same seed yield the same examples in the
same order; only the final conversion to a framework tensor differs.
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

    def __len__(self):
        return -(-self.num_examples // self.batch_size)  # ceiling division

    def indices(self):
        """The index arrays of one pass, in order."""
        order = (self._rng.permutation(self.num_examples) if self.shuffle
                 else np.arange(self.num_examples))
        return [order[i:i + self.batch_size]
                for i in range(0, self.num_examples, self.batch_size)]

    def __iter__(self):
        for idx in self.indices():
            yield tuple(self.convert(a[idx]) for a in self.arrays)
