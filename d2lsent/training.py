"""Training, the same for every backend: the epoch loop, its metrics, ``train`` and ``fit``,
and the state a killed run resumes from.

``backend`` is ``d2lsent.torch`` or ``d2lsent.mxnet`` (``d2lsent.backend``); each offers
``train`` and ``fit`` under the same names without that argument (``d2l.train``).
"""
import dataclasses
import json
import math
import pathlib
import shlex
import time

import numpy as np
from tqdm import tqdm

from . import files, prediction
from .files import atomic_write
from .glove import TokenEmbedding
from .splits import make_splits

STATE_FILE = 'resume.npz'  # in a run folder while the run is not finished
WARMUP_EPOCHS = 0.5  # of config.lr_schedule 'warmup-cosine'


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


def learning_rate(config, epochs_done):
    """The learning rate of the update made when ``epochs_done`` epochs of training have
    passed (2.5: halfway through the third), by ``config.lr_schedule``: ``config.lr``
    throughout, or a linear rise over the first ``WARMUP_EPOCHS`` (Adam's first steps
    rest on moment estimates from few gradients) times a cosine falling from 1 to 0 over
    the run (small steps at the end settle the model)."""
    if config.lr_schedule == 'constant':
        return config.lr
    warmup = min(1.0, epochs_done / WARMUP_EPOCHS)
    return config.lr * warmup * (1 + math.cos(math.pi * epochs_done / config.num_epochs)) / 2


def train_epochs(train_step, evaluate, train_iter, valid_iter, test_iter, config,
                 animator=None, get_params=None, set_params=None, all_sum=None,
                 history=None, best=None, on_epoch_end=None):
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

    A resumed run passes its ``history`` so far and its ``best`` parameters, and
    continues with the next epoch; ``on_epoch_end(history, best)`` runs after each
    epoch (to report it, or to save what a resumed run needs).
    """
    if config.keep_best_epoch and (get_params is None or set_params is None):
        raise ValueError('keep_best_epoch needs get_params and set_params.')
    history = history or History()
    quiet = getattr(train_iter, 'rank', 0) > 0  # any iterable; a shard knows its process
    for epoch in range(len(history.records), config.num_epochs):
        metric, timer = Accumulator(3), Timer()  # loss sum, correct, examples
        # Off in processes other than 0; elsewhere tqdm's default, which TQDM_DISABLE=1
        # turns off (make notebooks does, so that stored outputs hold no bar).
        bar = tqdm(train_iter, desc=f'epoch {epoch + 1}/{config.num_epochs}', unit='batch',
                   leave=False, mininterval=5, **({'disable': True} if quiet else {}))
        num_batches = len(train_iter)
        for i, batch in enumerate(bar):
            if config.lr_schedule != 'constant':  # at the middle of this update
                train_step.set_learning_rate(
                    learning_rate(config, epoch + (i + 0.5) / num_batches))
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
        if on_epoch_end is not None:
            on_epoch_end(history, best)
    if best is not None:
        set_params(best)
    return history


def train(backend, net, train_iter, valid_iter, test_iter, config, devices=None,
          animator=None, state_file=None, on_epoch_end=None):
    """Adam + cross-entropy for ``config.num_epochs``; returns a ``History``.

    Per epoch: training loss and accuracy, validation and test accuracy,
    examples per second; a progress bar per epoch, and live curves when given
    an ``animator`` (``plot.Animator``, for notebooks). Uses all GPUs (data
    parallel) when there are any. In a launch of several processes
    (``backend.init_distributed``), each trains on its shard of every minibatch
    (the iterators' ``shard``) and the gradients and metrics are summed over all.

    With a ``state_file``, the state after each epoch is saved there (``save_state``)
    and, if the file exists, training continues from it. ``on_epoch_end(record)``
    gets each epoch's metrics as soon as the epoch ends and its state is saved.
    """
    rank, processes = backend.init_distributed()
    step, eval_net, device = backend.prepare_training(net, config, devices)
    history, best = History(), None
    if state_file is not None and pathlib.Path(state_file).is_file():
        history, best = load_state(state_file, backend, net, step, train_iter, config)

    def evaluate(data_iter):
        return prediction.evaluate_accuracy(backend, eval_net, data_iter, device,
                                            processes > 1)

    def epoch_end(history, best):
        if state_file is not None and rank == 0:
            save_state(state_file, backend, net, step, train_iter, history, best, config)
        if on_epoch_end is not None:  # after the save: an epoch reported can be resumed
            on_epoch_end(history.records[-1])
    with backend.flush_denormals(config.recipe == 'fast'):
        return train_epochs(step, evaluate, train_iter, valid_iter, test_iter, config,
                            animator, lambda: backend.get_params(net),
                            lambda params: backend.set_params(net, params),
                            backend.all_sum if processes > 1 else None, history, best,
                            epoch_end)


def fit(backend, config, state_file=None, on_epoch_end=None):
    """Data, GloVe, model and training for ``config``: ``(net, vocab, history)``; in a
    launch of several processes, this process's part of data-parallel training.
    ``state_file`` and ``on_epoch_end`` as in ``train``."""
    shard = backend.init_distributed()
    train_iter, valid_iter, test_iter, vocab = make_splits(config, backend.to_tensor, shard)
    net = backend.build_model(vocab, TokenEmbedding(config.embedding), config)
    return net, vocab, train(backend, net, train_iter, valid_iter, test_iter, config,
                             state_file=state_file, on_epoch_end=on_epoch_end)


def save_state(path, backend, net, step, train_iter, history, best, config):
    """Write what a killed run needs to continue after this epoch, as plain arrays (no
    pickles: loading it runs no code): the parameters (and the best so far), the
    training step's state (``TrainStep.state``: the optimiser's, the random state),
    the state of the minibatch order, the history, and the backend and settings that
    wrote it."""
    arrays = {f'param:{k}': v for k, v in backend.get_params(net).items()}
    arrays.update({f'best:{k}': v for k, v in (best or {}).items()})
    arrays.update({f'step:{k}': v for k, v in step.state().items()})
    arrays['meta'] = np.array(json.dumps(dict(
        records=history.records, selected_epoch=history.selected_epoch,
        order=train_iter.random_state(), backend=backend.NAME,
        config=dataclasses.asdict(config))))
    with atomic_write(path, 'wb', suffix='.npz') as f:
        np.savez(f, **arrays)


def load_state(path, backend, net, step, train_iter, config):
    """Restore what ``save_state`` wrote; returns the run's ``(history, best)``. A file
    that is damaged, or was written by another backend or with other settings, is a
    ``ValueError`` that names it and what differs."""
    def refuse(reason):
        return ValueError(files.sentence(f'{path} cannot resume this run: {reason}') +
                          f' Start the run again with --out '
                          f'{shlex.quote(str(pathlib.Path(path).parent))} --overwrite.')
    params = backend.get_params(net)
    # The parameters, the best ones and Adam's two moments, at most float64, and a little
    # more: the random state and the history.
    most = 4 * 8 * sum(v.size for v in params.values()) + 2**20
    try:
        arrays = files.read_npz(path, most, what='resume file')  # plain arrays: no code
        meta = json.loads(str(arrays.pop('meta')))
        saved = (meta['backend'], meta['config'])
    except Exception as e:  # truncated, too large, not an .npz, not ours: all one answer
        raise refuse(e.reason if isinstance(e, files.UnreadableFile) else
                     f'it cannot be read ({type(e).__name__}: {e})') from e
    if saved[0] != backend.NAME:
        raise refuse(f'it was written by the {saved[0]} backend, the run uses {backend.NAME}')
    differ = {k: (v, saved[1].get(k)) for k, v in dataclasses.asdict(config).items()
              if saved[1].get(k) != v}
    if differ:
        raise refuse('it was written with other settings (' + ', '.join(
            f'{k} {theirs!r}, the run {ours!r}' for k, (ours, theirs) in differ.items()) + ')')
    part = lambda prefix: {k.split(':', 1)[1]: v for k, v in arrays.items()
                           if k.startswith(prefix)}
    try:
        backend.set_params(net, part('param:'))
        step.load_state(part('step:'))
        train_iter.set_random_state(meta['order'])
        history = History(meta['records'], meta['selected_epoch'])
    except Exception as e:  # a missing array, a shape that does not fit
        reason = ' '.join(str(e).split()).rstrip('.')  # PyTorch's: several lines
        raise refuse(f'its contents do not fit the model ({type(e).__name__}: {reason})') from e
    return history, part('best:') or None
