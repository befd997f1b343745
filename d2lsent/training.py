"""Framework-neutral pieces of training: configuration, data splits, metrics, history."""
import dataclasses
import json
import os
import platform
import time

import numpy as np
from tqdm import tqdm

from . import imdb
from .batching import Buckets, Minibatches
from .glove import TokenEmbedding

RECIPES = ('fast', 'book')


# The final check of a trained model: these must be classified as labelled.
EXAMPLE_REVIEWS = [
    ('this movie is great , a wonderful and excellent film . i loved it', 'positive'),
    ('a brilliant , moving story with superb acting', 'positive'),
    ('this movie is terrible , an awful and boring film . i hated it', 'negative'),
    ('the worst film i have ever seen , a complete waste of time', 'negative'),
]


@dataclasses.dataclass
class Config:
    """Settings of one run; the sizes and the optimiser's settings are the book's.

    ``embed_size`` follows the word vectors (50 for the packaged GloVe 6B-50d).
    ``valid_size`` reviews are held out of the 25,000 training reviews (seeded)
    to watch generalisation without touching the test set. ``limit`` keeps only
    that many training and test reviews (smoke-sized runs for tests and CI).

    ``recipe='book'`` runs the book's code path: every review padded to
    ``num_steps``, the LSTM's outputs at steps 0 and ``num_steps - 1``.
    ``recipe='fast'`` (the default) batches reviews of similar length, pads
    each batch only to its longest review, reads the outputs at each review's
    first and last real token, and flushes denormal floats to zero. Both train
    the same parameters, so a checkpoint serves either.
    """
    embedding: str = 'glove.6b.50d-packaged'
    num_hiddens: int = 100
    num_layers: int = 2
    batch_size: int = 64
    num_steps: int = 500
    num_epochs: int = 5
    lr: float = 0.01
    freeze_embedding: bool = False
    valid_size: int = 2500
    seed: int = 0
    limit: int = 0
    recipe: str = 'fast'

    def __post_init__(self):
        if self.recipe not in RECIPES:
            raise ValueError(f"recipe must be one of {', '.join(RECIPES)}, got {self.recipe!r}.")
        for name in ('num_hiddens', 'num_layers', 'batch_size', 'num_steps',
                     'num_epochs'):
            if getattr(self, name) < 1:
                raise ValueError(f'{name} must be at least 1, got {getattr(self, name)}.')
        if not self.lr > 0:
            raise ValueError(f'lr must be positive, got {self.lr}.')


def _subset(n, limit, rng):
    """Indices of ``limit`` examples drawn evenly from both classes (all if 0)."""
    if not limit or limit >= n:
        return np.arange(n)
    # Positive reviews come first in the arrays: take half from each half.
    half = n // 2
    return np.sort(np.concatenate([rng.choice(half, limit // 2, replace=False),
                                   half + rng.choice(half, limit - limit // 2,
                                                     replace=False)]))


def make_splits(config, convert=np.asarray):
    """``(train_iter, valid_iter, test_iter, vocab)`` for ``config``.

    The validation reviews are a seeded random part of the training reviews
    (``config.valid_size``, at most a fifth of them); the vocabulary is the
    book's (built from all 25,000 training reviews).
    """
    data = imdb.load_imdb(config.num_steps)
    rng = np.random.default_rng(config.seed)
    train_idx = _subset(len(data.train_labels), config.limit, rng)
    test_idx = _subset(len(data.test_labels), config.limit, rng)
    valid_size = min(config.valid_size, len(train_idx) // 5)
    train_idx = rng.permutation(train_idx)
    valid_idx, train_idx = np.sort(train_idx[:valid_size]), np.sort(train_idx[valid_size:])

    def batches(split, idx, shuffle):
        arrays = (getattr(data, f'{split}_features')[idx], getattr(data, f'{split}_labels')[idx])
        if config.recipe == 'book':
            return Minibatches(arrays, config.batch_size, shuffle, config.seed, convert)
        return Buckets(arrays, getattr(data, f'{split}_lengths')[idx], config.batch_size,
                       shuffle, config.seed, convert)
    return (batches('train', train_idx, True), batches('train', valid_idx, False),
            batches('test', test_idx, False), data.vocab)


class Accumulator:
    """Sums over ``n`` variables, as in the book."""

    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def __getitem__(self, idx):
        return self.data[idx]


@dataclasses.dataclass
class History:
    """Per-epoch metrics of a run; accuracies are counted per example."""
    records: list = dataclasses.field(default_factory=list)

    def add(self, **metrics):
        self.records.append(metrics)

    def __getitem__(self, key):
        return [r[key] for r in self.records]

    def to_json(self):
        return json.dumps(self.records, indent=1)


class Timer:
    """Seconds since construction or the last ``start``."""

    def __init__(self):
        self.start()

    def start(self):
        self.t0 = time.perf_counter()

    def stop(self):
        return time.perf_counter() - self.t0


def train_epochs(train_step, evaluate, train_iter, valid_iter, test_iter, config,
                 animator=None):
    """The epoch loop shared by both backends; returns a ``History``.

    ``train_step(*batch)`` trains on one minibatch and returns its summed loss,
    its number of correct predictions and its size; ``evaluate(data_iter)``
    returns an accuracy. Per epoch: training loss and accuracy (per example),
    validation and test accuracy, examples per second, and the seconds spent
    training and evaluating. A progress bar runs per epoch; an ``animator``
    (``plot.Animator``, for notebooks) redraws the curves after each epoch.
    """
    history = History()
    for epoch in range(config.num_epochs):
        metric, timer = Accumulator(3), Timer()  # loss sum, correct, examples
        bar = tqdm(train_iter, desc=f'epoch {epoch + 1}/{config.num_epochs}',
                   unit='batch', leave=False, mininterval=5)
        for batch in bar:
            metric.add(*train_step(*batch))
            bar.set_postfix(loss=f'{metric[0] / metric[2]:.3f}', refresh=False)
        seconds = timer.stop()
        timer.start()
        valid_acc, test_acc = evaluate(valid_iter), evaluate(test_iter)
        history.add(epoch=epoch + 1, train_loss=metric[0] / metric[2],
                    train_acc=metric[1] / metric[2], valid_acc=valid_acc,
                    test_acc=test_acc, examples_per_s=metric[2] / seconds,
                    train_seconds=seconds, eval_seconds=timer.stop())
        if animator is not None:
            animator.add(history)
    return history


def fit(config, to_tensor, build_model, train):
    """Data, GloVe, model and training for ``config`` with one backend's functions:
    ``(net, vocab, history)``."""
    train_iter, valid_iter, test_iter, vocab = make_splits(config, to_tensor)
    net = build_model(vocab, TokenEmbedding(config.embedding), config)
    return net, vocab, train(net, train_iter, valid_iter, test_iter, config)


def describe_machine():
    """Where a run happens: CPU model and count, OS, Python, date (for stored outputs)."""
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            cpu = next(line.split(':', 1)[1].strip() for line in f
                       if line.startswith('model name'))
    except (OSError, StopIteration):
        pass
    return (f'{os.cpu_count()} x {cpu}, {platform.system()}, Python '
            f'{platform.python_version()}, {time.strftime("%Y-%m-%d")}')


def review_ids(vocab, text):
    """Token ids of one review for prediction; an empty review is an error."""
    tokens = text.split()
    if not tokens:
        raise ValueError('The review is empty: give at least one word.')
    return vocab[tokens]


def sentiment(probs):
    """``('positive' | 'negative', probability of that label)`` from 2 class probabilities."""
    label = int(probs.argmax())
    return ('positive' if label == 1 else 'negative'), float(probs[label])
