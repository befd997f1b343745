"""The contract between the framework-neutral code and a deep learning framework.

A backend is a module, ``d2lsent.torch`` or ``d2lsent.mxnet``, that provides the few
operations of ``Backend`` below: what really differs between frameworks. Everything
else (data, training loop, evaluation, prediction, checkpoints) is written once and
takes the backend as its first argument. Each backend module also offers those
functions under the book's names, bound to itself (``book_functions``), so that
``from d2lsent import torch as d2l`` and ``from d2lsent import mxnet as d2l`` read alike.
"""
import functools
import importlib
import inspect
from typing import Protocol, runtime_checkable

from . import imdb
from .batching import Minibatches

NAMES = ('torch', 'mxnet')

# The public names of each backend module: the contract's operations (``Backend``), the
# book's functions and classes, and the neutral helpers a notebook needs, re-exported.
PUBLIC_NAMES = (
    'BiRNN', 'Buckets', 'Config', 'Minibatches', 'NAME', 'TokenEmbedding', 'Vocab',
    'all_sum', 'build_model', 'coverage', 'evaluate_accuracy', 'fit', 'flush_denormals',
    'get_params', 'init_distributed', 'initialize', 'leave_distributed', 'load_array',
    'load_data_imdb', 'load_model', 'load_pretrained', 'lstm_params', 'make_train_step',
    'masked_lstm', 'new_model', 'num_threads', 'predict_logits', 'predict_proba',
    'predict_sentiment', 'prepare_training', 'read_imdb', 'read_review', 'reverse_padded',
    'save_model', 'set_params', 'to_numpy', 'to_tensor', 'tokenize', 'train',
    'truncate_pad', 'try_all_gpus')


@runtime_checkable
class Backend(Protocol):
    """What a framework provides. Tensors are the framework's; arrays are numpy's."""
    NAME: str  # 'torch' or 'mxnet': the --backend option, recorded in checkpoints

    def to_tensor(self, array):
        """A numpy array as a tensor of the same dtype."""

    def to_numpy(self, tensor):
        """A tensor as a numpy array."""

    def try_all_gpus(self):
        """All GPUs, or ``[cpu]`` when there are none (never an empty list)."""

    def num_threads(self):
        """Threads the framework uses for its CPU operators."""

    def new_model(self, vocab_size, embed_size, config, device=None):
        """A ``BiRNN`` for ``config``, initialised per block, on ``device``."""

    def build_model(self, vocab, embedding, config, device=None):
        """A seeded ``new_model`` whose embedding starts from the word vectors
        ``embedding`` (unless ``config.embedding_init == 'xavier'``), frozen if
        ``config.freeze_embedding``."""

    def make_train_step(self, net, config, device):
        """A function ``step(X, y[, lengths])`` that trains ``net`` on ``device`` on one
        minibatch (Adam, cross-entropy) and returns (summed loss, correct predictions,
        examples). MXNet also takes a list of devices and splits each minibatch.
        ``step.get_state()`` returns, as bytes, what a resumed run needs besides the
        parameters (the optimiser's state, the random state where the framework lets
        it be read); ``step.set_state(bytes)`` puts it back;
        ``step.set_learning_rate(lr)`` sets the rate of the updates that follow."""

    def prepare_training(self, net, config, devices=None):
        """``(step, eval_net, device)``: ``net`` placed for training on ``devices``
        (all GPUs by default, or this process's part of a launch), its training step,
        the model to evaluate and the device to evaluate on."""

    def predict_logits(self, net, X, *lengths, device=None):
        """``(batch, num_steps)`` token ids (and lengths) -> ``(batch, 2)`` numpy
        logits, in prediction mode (no dropout, no gradients)."""

    def get_params(self, net):
        """``{PyTorch name: numpy array}`` of ``net``'s parameters: copies."""

    def set_params(self, net, params):
        """Copy ``{PyTorch name: numpy array}`` into ``net``."""

    def flush_denormals(self, enabled=True):
        """A context manager that flushes denormal floats to zero inside it (if it
        can) and yields whether they are flushed."""

    def init_distributed(self):
        """``(rank, number of processes)``: ``(0, 1)`` unless a launcher started
        several processes, which then join one group here."""

    def leave_distributed(self):
        """Leave that group, after this process's last collective operation."""

    def all_sum(self, values):
        """The sums of ``values`` (numbers) over all processes of the group."""


def load(name):
    """The backend module ``d2lsent.NAME``, imported on use (so that the neutral code
    and ``prepare`` need no framework)."""
    if name not in NAMES:
        raise ValueError(f"Unknown backend {name!r}: use one of {', '.join(NAMES)}.")
    return importlib.import_module(f'd2lsent.{name}')


def bind(backend, function):
    """``function`` with ``backend`` as its first argument, under its own name,
    docstring and signature (less that argument)."""
    bound = functools.update_wrapper(functools.partial(function, backend), function)
    signature = inspect.signature(function)
    bound.__signature__ = signature.replace(parameters=list(signature.parameters.values())[1:])
    return bound


def load_array(backend, data_arrays, batch_size, is_train=True, seed=0):
    """Minibatches of ``backend``'s tensors over numpy arrays, reshuffled per epoch if
    training (the book's ``load_array``)."""
    return Minibatches(data_arrays, batch_size, shuffle=is_train, seed=seed,
                       convert=backend.to_tensor)


def load_data_imdb(backend, batch_size, num_steps=500, seed=0):
    """``(train_iter, test_iter, vocab)`` as in the book; batches are ``(X, y)`` of
    ``backend``'s tensors, X int32 ``(batch, num_steps)`` (``imdb.load_data_imdb``)."""
    return imdb.load_data_imdb(batch_size, num_steps, seed, convert=backend.to_tensor)


def book_functions(backend):
    """The book's functions that are the same in every backend, bound to ``backend``:
    ``load_array, load_data_imdb, evaluate_accuracy, predict_proba, predict_sentiment,
    read_review, train, fit, save_model, load_model, load_pretrained``."""
    from . import checkpoint, prediction, pretrained, training
    return tuple(bind(backend, f) for f in (
        load_array, load_data_imdb, prediction.evaluate_accuracy, prediction.predict_proba,
        prediction.predict_sentiment, prediction.read_review, training.train, training.fit,
        checkpoint.save_model, checkpoint.load_model, pretrained.load_pretrained))
