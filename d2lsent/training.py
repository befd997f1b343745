"""Framework-neutral pieces of training: configuration, data splits, metrics, history."""
import dataclasses
import json
import os
import platform
import time

import numpy as np
from tqdm import tqdm

from . import imdb, text
from .batching import Buckets, Minibatches
from .glove import TokenEmbedding

RECIPES = ('fast', 'book')
EMBEDDING_INITS = ('glove', 'xavier')
VALID_SPLITS = ('random', 'movie')

# The public names of each backend module (d2lsent.torch, d2lsent.mxnet): one interface.
BACKEND_NAMES = (
    'BiRNN', 'Buckets', 'Config', 'Minibatches', 'TokenEmbedding', 'Vocab',
    'all_sum', 'build_model', 'coverage', 'evaluate_accuracy', 'fit', 'flush_denormals',
    'get_params', 'init_distributed', 'initialize', 'leave_distributed', 'load_array',
    'load_data_imdb', 'load_model', 'lstm_params', 'make_train_step', 'masked_lstm',
    'num_threads', 'predict_proba', 'predict_sentiment', 'read_imdb', 'reverse_padded',
    'save_model', 'set_params', 'to_tensor', 'tokenize', 'train', 'truncate_pad',
    'try_all_gpus')


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
    to watch generalisation without touching the test set: reviews drawn at
    random (``valid_split='random'``), or whole movies drawn at random until
    they have ``valid_size`` reviews (``'movie'``: like the test set, whose
    movies the training set does not have). ``limit`` keeps only that many
    training and test reviews (smoke-sized runs for tests and CI).

    ``recipe='book'`` runs the book's code path: every review padded to
    ``num_steps``, the LSTM's outputs at steps 0 and ``num_steps - 1``.
    ``recipe='fast'`` (the default) batches reviews of similar length, pads
    each batch only to its longest review, reads the outputs at each review's
    first and last real token, and flushes denormal floats to zero. Both train
    the same parameters, so a checkpoint serves either.

    ``tokenizer='glove'`` lower-cases the reviews and splits off punctuation
    (``text.glove_tokenize``) instead of the book's whitespace split, so more
    tokens find a GloVe vector; it makes a different vocabulary.
    ``embedding_init='xavier'`` starts the embedding from random (Xavier) values
    instead of the word vectors (an ablation: what is GloVe worth?).
    ``keep_best_epoch=True`` ends training with the parameters of the epoch
    with the best validation accuracy (never chosen by the test set).
    ``weight_decay`` adds ``weight_decay * w`` to each trained parameter's
    gradient (L2 regularisation inside Adam, alike in both frameworks).
    ``dropout`` zeroes that share of the embedded vectors and of the first LSTM
    layer's outputs during training (scaling the rest up); 0 is the book's model.
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
    valid_split: str = 'random'
    seed: int = 0
    limit: int = 0
    recipe: str = 'fast'
    keep_best_epoch: bool = False
    tokenizer: str = 'book'
    embedding_init: str = 'glove'
    weight_decay: float = 0.0
    dropout: float = 0.0

    def __post_init__(self):
        if self.recipe not in RECIPES:
            raise ValueError(f"recipe must be one of {', '.join(RECIPES)}, got {self.recipe!r}.")
        text.check_tokenizer(self.tokenizer)
        if self.valid_split not in VALID_SPLITS:
            raise ValueError(f"valid_split must be one of {', '.join(VALID_SPLITS)}, "
                             f"got {self.valid_split!r}.")
        if self.embedding_init not in EMBEDDING_INITS:
            raise ValueError(f"embedding_init must be one of {', '.join(EMBEDDING_INITS)}, "
                             f"got {self.embedding_init!r}.")
        for name in ('num_hiddens', 'num_layers', 'batch_size', 'num_steps',
                     'num_epochs'):
            if getattr(self, name) < 1:
                raise ValueError(f'{name} must be at least 1, got {getattr(self, name)}.')
        if not self.lr > 0:
            raise ValueError(f'lr must be positive, got {self.lr}.')
        if not self.weight_decay >= 0:
            raise ValueError(f'weight_decay must be at least 0, got {self.weight_decay}.')
        if not 0 <= self.dropout < 1:
            raise ValueError(f'dropout must be in [0, 1), got {self.dropout}.')


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


def make_splits(config, convert=np.asarray, shard=(0, 1)):
    """``(train_iter, valid_iter, test_iter, vocab)`` for ``config`` (see ``split_indices``);
    the vocabulary is built from all 25,000 training reviews (the book's, with the
    default tokenizer). ``shard=(rank, num_processes)``: this process's part of every
    minibatch in data-parallel training (``Minibatches.shard``)."""
    data = imdb.load_imdb(config.num_steps, tokenizer=config.tokenizer)
    train_idx, valid_idx, test_idx = split_indices(config, data)

    def batches(split, idx, shuffle):
        arrays = (getattr(data, f'{split}_features')[idx], getattr(data, f'{split}_labels')[idx])
        if config.recipe == 'book':
            return Minibatches(arrays, config.batch_size, shuffle, config.seed,
                               convert).shard(*shard)
        return Buckets(arrays, getattr(data, f'{split}_lengths')[idx], config.batch_size,
                       shuffle, config.seed, convert).shard(*shard)
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
    """Per-epoch metrics of a run; accuracies are counted per example.

    ``selected_epoch`` is the epoch whose parameters the model ends with (the
    last one, unless training kept the best epoch on validation).
    """
    records: list = dataclasses.field(default_factory=list)
    selected_epoch: int = None

    def add(self, **metrics):
        self.records.append(metrics)

    def __getitem__(self, key):
        return [r[key] for r in self.records]

    def to_json(self):
        return json.dumps(self.records, indent=1)

    def best_epoch(self):
        """The (first) epoch with the highest validation accuracy so far."""
        valid = self['valid_acc']
        return valid.index(max(valid)) + 1

    def summary(self):
        """The selected epoch's metrics and the run's total times (for results tables)."""
        epoch = self.selected_epoch or self.records[-1]['epoch']
        chosen = self.records[epoch - 1]
        return dict(selected_epoch=epoch, valid_acc=chosen['valid_acc'],
                    test_acc=chosen['test_acc'],
                    train_seconds=sum(self['train_seconds']),
                    eval_seconds=sum(self['eval_seconds']),
                    examples_per_s=float(np.mean(self['examples_per_s'])))


class Timer:
    """Seconds since construction or the last ``start``."""

    def __init__(self):
        self.start()

    def start(self):
        self.t0 = time.perf_counter()

    def stop(self):
        return time.perf_counter() - self.t0


def train_epochs(train_step, evaluate, train_iter, valid_iter, test_iter, config,
                 animator=None, get_params=None, set_params=None, all_sum=None):
    """The epoch loop shared by both backends; returns a ``History``.

    ``train_step(*batch)`` trains on one minibatch and returns its summed loss,
    its number of correct predictions and its size; ``evaluate(data_iter)``
    returns an accuracy. Per epoch: training loss and accuracy (per example),
    validation and test accuracy, examples per second, and the seconds spent
    training and evaluating. A progress bar runs per epoch; an ``animator``
    (``plot.Animator``, for notebooks) redraws the curves after each epoch.
    With ``config.keep_best_epoch``, ``get_params()`` (name -> a numpy copy) saves
    the parameters after each epoch that improves validation accuracy and
    ``set_params`` puts the best ones back at the end.

    In data-parallel training each process trains on its shard of
    ``train_iter`` and ``all_sum(values)`` returns the sums of ``values`` over all
    processes, so the metrics are those of all examples; ``evaluate`` must
    count over all processes too. Only process 0 shows a progress bar.
    """
    if config.keep_best_epoch and (get_params is None or set_params is None):
        raise ValueError('keep_best_epoch needs get_params and set_params.')
    history, best = History(), None
    quiet = getattr(train_iter, 'rank', 0) > 0  # any iterable; a shard knows its process
    for epoch in range(config.num_epochs):
        metric, timer = Accumulator(3), Timer()  # loss sum, correct, examples
        bar = tqdm(train_iter, desc=f'epoch {epoch + 1}/{config.num_epochs}',
                   unit='batch', leave=False, mininterval=5, disable=quiet)
        for batch in bar:
            metric.add(*train_step(*batch))
            bar.set_postfix(loss=f'{metric[0] / metric[2]:.3f}', refresh=False)
        if all_sum is not None:
            metric.data = all_sum(metric.data)
        seconds = timer.stop()
        timer.start()
        valid_acc, test_acc = evaluate(valid_iter), evaluate(test_iter)
        history.add(epoch=epoch + 1, train_loss=metric[0] / metric[2],
                    train_acc=metric[1] / metric[2], valid_acc=valid_acc,
                    test_acc=test_acc, examples_per_s=metric[2] / seconds,
                    train_seconds=seconds, eval_seconds=timer.stop())
        if config.keep_best_epoch and history.best_epoch() == epoch + 1:
            best = get_params()  # copies (both backends)
            history.selected_epoch = epoch + 1
        if animator is not None:
            animator.add(history)
    if best is not None:
        set_params(best)
    return history


def fit(config, to_tensor, build_model, train, shard=(0, 1)):
    """Data, GloVe, model and training for ``config`` with one backend's functions:
    ``(net, vocab, history)``; ``shard`` as in ``make_splits``."""
    train_iter, valid_iter, test_iter, vocab = make_splits(config, to_tensor, shard)
    net = build_model(vocab, TokenEmbedding(config.embedding), config)
    return net, vocab, train(net, train_iter, valid_iter, test_iter, config)


def launched_processes():
    """How many processes a launcher such as ``torchrun`` started for this run
    (``$WORLD_SIZE``; 1 without one)."""
    try:
        return int(os.environ.get('WORLD_SIZE') or 1)
    except ValueError:
        raise ValueError(f"WORLD_SIZE must be a whole number of processes, got "
                         f"{os.environ['WORLD_SIZE']!r}: unset it, or launch with torchrun.")


def describe_machine():
    """Where a run happens: CPU model, family and vector width, count, OS, Python, date
    (for stored outputs; "AMD EPYC" alone names several generations of CPU)."""
    cpu, info = platform.processor() or platform.machine(), {}
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                key, _, value = line.partition(':')
                info.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    if 'model name' in info:
        vectors = ('AVX-512' if 'avx512f' in info.get('flags', '').split()
                   else 'AVX2' if 'avx2' in info.get('flags', '').split() else 'no AVX2')
        cpu = (f"{info['model name']} (family {info.get('cpu family', '?')} model "
               f"{info.get('model', '?')}, {vectors})")
    return (f'{os.cpu_count()} x {cpu}, {platform.system()}, Python '
            f'{platform.python_version()}, {time.strftime("%Y-%m-%d")}')


def in_example_order(data_iter, batch_outputs):
    """Join one pass's per-batch numpy ``batch_outputs`` into one array, example by
    example in the order of ``data_iter``'s arrays (undoing the buckets' sorting)."""
    if data_iter.shuffle:
        raise ValueError('Predictions need an unshuffled iterator (shuffle=False): '
                         'a shuffled one orders each pass differently.')
    order = np.concatenate(data_iter.indices())
    outputs = np.concatenate(batch_outputs)
    if len(outputs) != len(order):
        raise ValueError(f'Got {len(outputs)} outputs for {len(order)} examples.')
    result = np.empty_like(outputs)
    result[order] = outputs
    return result


def review_ids(vocab, review, tokenizer='book'):
    """Token ids of one review for prediction; an empty review is an error."""
    tokens = text.tokenize_with(tokenizer, [review])[0]
    if not tokens:
        raise ValueError('The review is empty: give at least one word.')
    return vocab[tokens]


def sentiment(probs):
    """``('positive' | 'negative', probability of that label)`` from 2 class probabilities."""
    label = int(probs.argmax())
    return ('positive' if label == 1 else 'negative'), float(probs[label])
