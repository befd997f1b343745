"""The contract between the framework-neutral code and a deep learning framework.

A backend is a module, ``d2lsent.torch`` or ``d2lsent.mxnet``, that provides the few
operations of ``Backend`` below: what really differs between frameworks. Everything
else (data, model building, training loop, evaluation, prediction, checkpoints) is
written once and takes the backend as its first argument. Each backend module also
offers those functions under the book's names, bound to itself (``book_functions``), so
that ``from d2lsent import torch as d2l`` and ``from d2lsent import mxnet as d2l`` read
alike.
"""
import functools
import importlib
import inspect
import platform
from typing import Protocol, runtime_checkable

import numpy as np

from . import imdb
from .batching import Minibatches
from .config import Config

NAMES = ('torch', 'mxnet')

# The public names of each backend module: the contract's operations (``Backend``), the
# book's functions and classes, and the neutral helpers a notebook needs, re-exported.
PUBLIC_NAMES = (
    'BiRNN', 'Buckets', 'Config', 'Minibatches', 'NAME', 'TokenEmbedding', 'TrainStep',
    'Vocab', 'all_sum', 'build_model', 'copy_embedding', 'coverage', 'describe_devices',
    'evaluate_accuracy',
    'fit', 'flush_denormals', 'freeze_embedding', 'get_params', 'init_distributed',
    'initialize', 'launch_command', 'leave_distributed', 'load_array', 'load_data_imdb',
    'load_model', 'load_pretrained', 'lstm_params', 'masked_lstm', 'new_model', 'num_gpus',
    'num_threads', 'peak_memory_mb', 'predict_logits', 'predict_proba', 'predict_sentiment',
    'prepare_training', 'read_imdb', 'read_review', 'reverse_padded', 'save_model', 'seed',
    'set_params', 'setup', 'to_numpy', 'to_tensor', 'token_attributions', 'tokenize',
    'train', 'truncate_pad', 'try_all_gpus')


class TrainStep(Protocol):
    """One training step of a backend (``Backend.TrainStep(net, config, device)``): Adam
    and cross-entropy on one minibatch."""

    def __call__(self, X, y, *lengths):
        """Train on the minibatch ``(X, y[, lengths])``; returns (summed loss, correct
        predictions, examples)."""

    def set_learning_rate(self, lr):
        """The rate of the updates that follow."""

    def state(self):
        """What a resumed run needs besides the parameters (the optimiser's moments and
        counts, the random state where the framework lets it be read), as
        ``{name: numpy array}``: plain data, never code."""

    def load_state(self, arrays):
        """Put back what ``state`` returned."""


@runtime_checkable
class Backend(Protocol):
    """What a framework provides. Tensors are the framework's; arrays are numpy's."""
    NAME: str  # 'torch' or 'mxnet': the --backend option, recorded in checkpoints
    BiRNN: type  # the model: (vocab_size, embed_size, num_hiddens, num_layers, dropout)
    TrainStep: type  # (net, config, device) -> a ``TrainStep``

    def setup(self):
        """Process-wide settings the framework trains best with (threads' float mode,
        caches), once, before its first operation: an explicit call (``load`` makes
        it), never a side effect of importing the backend."""

    def to_tensor(self, array):
        """A numpy array as a tensor of the same dtype."""

    def to_numpy(self, tensor):
        """A tensor as a numpy array."""

    def num_gpus(self):
        """How many GPUs the framework sees."""

    def try_all_gpus(self):
        """All GPUs, or ``[cpu]`` when there are none (never an empty list)."""

    def num_threads(self):
        """Threads the framework uses for its CPU operators."""

    def describe_devices(self):
        """The devices training uses, in words: ``'cpu'`` or ``'2 x NVIDIA H200'``."""

    def peak_memory_mb(self, device):
        """The most memory the framework has held on ``device`` so far, if a GPU (in
        MiB), else ``None`` (on the CPU: the process's, ``bench.peak_rss_mb``)."""

    def seed(self, value):
        """Seed the framework's random generator (initial weights, dropout)."""

    def initialize(self, net, device=None, lstm_xavier=False):
        """Initialise ``net`` per block (Xavier on the embedding and the decoder, the
        framework's default on the LSTM, or Xavier there too with ``lstm_xavier``, as
        the book does); returns ``net`` on ``device`` (the first GPU, else the CPU)."""

    def copy_embedding(self, net, vectors):
        """Copy ``vectors`` (numpy, one row per token) into ``net``'s embedding."""

    def freeze_embedding(self, net):
        """Keep ``net``'s embedding fixed in training."""

    def prepare_training(self, net, config, devices=None):
        """``(step, eval_net, device)``: ``net`` placed for training on ``devices``
        (all GPUs by default, or this process's part of a launch), its ``TrainStep``,
        the model to evaluate and the device to evaluate on."""

    def predict_logits(self, net, X, *lengths, device=None):
        """``(batch, num_steps)`` token ids (and lengths) -> ``(batch, 2)`` numpy
        logits, in prediction mode (no dropout, no gradients), on ``device`` (by
        default the model's)."""

    def get_params(self, net):
        """``{PyTorch name: numpy array}`` of ``net``'s parameters: copies."""

    def set_params(self, net, params):
        """Copy ``{PyTorch name: numpy array}`` into ``net``."""

    def flush_denormals(self, enabled=True):
        """A context manager that flushes denormal floats to zero inside it (if it
        can) and yields whether they are flushed."""

    def launch_command(self, num_processes, args):
        """The command (a list) that runs ``python -m d2lsent ARGS`` in
        ``num_processes`` processes under the framework's launcher, on this machine."""

    def init_distributed(self):
        """``(rank, number of processes)``: ``(0, 1)`` unless a launcher started
        several processes, which then join one group here."""

    def leave_distributed(self):
        """Leave that group, after this process's last collective operation."""

    def all_sum(self, values):
        """The sums of ``values`` (numbers) over all processes of the group."""


# What each backend's framework needs, and how to install it (pyproject.toml's extras).
INSTALL = {
    'torch': "PyTorch: pip install 'torch>=2.11' (any Python from 3.11; d2lsent's own "
             'dependencies include it)',
    'mxnet': "MXNet 1.9.1, which needs Python 3.11 and numpy < 1.24: on Python 3.11, pip "
             "install 'd2lsent[mxnet]' (or make env); the PyTorch backend needs nothing more: "
             '--backend torch',
}


class FrameworkMissing(ImportError):
    """A backend's framework is not installed (or does not load here); the message says
    which extra to install and where it can be installed."""

    def __init__(self, name, cause):
        super().__init__(
            f'The {name} backend needs {INSTALL[name]}. This environment cannot import it '
            f'(Python {platform.python_version()}, numpy {np.__version__}: '
            f'{type(cause).__name__}: {cause}).')
        self.name = name


def load(name):
    """The backend module ``d2lsent.NAME``, imported on use (so that the neutral code
    and ``prepare`` need no framework), with its ``setup`` done; a ``FrameworkMissing``
    error where its framework is not installed."""
    if name not in NAMES:
        raise ValueError(f"Unknown backend {name!r}: use one of {', '.join(NAMES)}.")
    module = importlib.import_module(f'd2lsent.{name}')
    module.setup()
    return module


def import_framework(name):
    """Import the framework of backend ``name`` (``torch`` or ``mxnet``), or raise
    ``FrameworkMissing``. MXNet 1.9.1 fails with an ``AttributeError`` under numpy >=
    1.24, so any error of the import counts."""
    try:
        return importlib.import_module(name)
    except Exception as e:
        raise FrameworkMissing(name, e) from e


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


def load_data_imdb(backend, batch_size, num_steps=Config.num_steps, seed=0):
    """``(train_iter, test_iter, vocab)`` as in the book; batches are ``(X, y)`` of
    ``backend``'s tensors, X int32 ``(batch, num_steps)`` (``imdb.load_data_imdb``)."""
    return imdb.load_data_imdb(batch_size, num_steps, seed, convert=backend.to_tensor)


def new_model(backend, vocab_size, embed_size, config, device=None):
    """A ``BiRNN`` of ``config``'s sizes, initialised (``initialize``: the LSTM as the
    book does in the book's recipe), on ``device``."""
    config.check_model_size(vocab_size, embed_size)  # before any memory is taken
    net = backend.BiRNN(vocab_size, embed_size, config.num_hiddens, config.num_layers,
                        config.dropout)
    return backend.initialize(net, device, lstm_xavier=config.recipe == 'book')


def build_model(backend, vocab, embedding, config, device=None):
    """A seeded ``new_model`` whose embedding starts from the word vectors ``embedding``
    (a ``TokenEmbedding``; tokens without a vector start at zero), fine-tuned unless
    ``config.freeze_embedding``. With ``config.embedding_init == 'xavier'`` it keeps
    Xavier's values (``embedding`` then only sets its width)."""
    backend.seed(config.seed)
    net = new_model(backend, len(vocab), embedding.dim, config, device)
    if config.embedding_init == 'glove':
        backend.copy_embedding(net, embedding[vocab.idx_to_token])
    if config.freeze_embedding:
        backend.freeze_embedding(net)
    return net


def book_functions(backend):
    """``{name: function}`` of the functions that are the same in every backend, bound
    to ``backend``; each backend module offers them under these names."""
    from . import attribution, checkpoint, prediction, pretrained, training
    return {f.__name__: bind(backend, f) for f in (
        load_array, load_data_imdb, new_model, build_model, prediction.evaluate_accuracy,
        prediction.predict_proba, prediction.predict_sentiment, prediction.read_review,
        attribution.token_attributions, training.train, training.fit,
        checkpoint.save_model, checkpoint.load_model, pretrained.load_pretrained)}
