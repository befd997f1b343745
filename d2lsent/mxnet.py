"""MXNet (Gluon) backend: ``from d2lsent import mxnet as d2l``.

Uses MXNet's numpy interface (``npx.set_np()``), as d2l does, and works with
Gluon 1.9.1 (one parameter per LSTM layer, direction and kind) and Gluon 2.0
(one fused 1-D LSTM parameter). Everything framework-neutral lives in the
other modules of ``d2lsent`` and is re-exported, as in the PyTorch backend; this
module provides the operations of the backend contract (``d2lsent.backend``).
MXNet 1.9.1 needs Python 3.11 and numpy < 1.24 (the ``[mxnet]`` extra); without it,
importing this module raises ``backend.FrameworkMissing``, which says so.
"""
import atexit
import contextlib
import functools
import os
import sys

import numpy as onp

from . import backend, fpu, machine, onednn

mx = backend.import_framework('mxnet')
from mxnet import autograd, gluon, init, np, npx  # noqa: E402
from mxnet.gluon import nn, rnn  # noqa: E402

from . import lstm_layout as layout  # noqa: E402
from .batching import Buckets, Minibatches  # noqa: E402
from .config import Config  # noqa: E402
from .glove import TokenEmbedding, coverage  # noqa: E402
from .imdb import read_imdb  # noqa: E402
from .text import Vocab, tokenize, truncate_pad  # noqa: E402

npx.set_np()

NAME = 'mxnet'
__all__ = list(backend.PUBLIC_NAMES)


def to_tensor(array):
    """A numpy array as an MXNet ndarray of the same dtype (token ids stay integers)."""
    return np.array(array, dtype=array.dtype)


def to_numpy(tensor):
    """An MXNet ndarray as a numpy array (waits for the computation that makes it)."""
    return tensor.asnumpy()


def num_threads():
    """Threads MXNet's operators use (OpenMP)."""
    return int(os.environ.get('OMP_NUM_THREADS') or os.cpu_count())


def num_gpus():
    """How many GPUs MXNet sees."""
    return npx.num_gpus()


def describe_devices():
    """The devices training uses, in words: ``'cpu'`` or ``'1 x GPU'``."""
    return f'{num_gpus()} x GPU' if num_gpus() else 'cpu'


def peak_memory_mb(device):
    """``None``: MXNet reports no peak of its memory on a device."""
    return None


def try_all_gpus():
    """All GPUs, or ``[cpu]`` when there are none (never an empty list)."""
    return [npx.gpu(i) for i in range(npx.num_gpus())] or [npx.cpu()]


@functools.cache  # one per process
def kvstore():
    """MXNet's distributed kvstore (``dist_sync``) when MXNet's launcher started this
    process as a worker (``$DMLC_ROLE``), else None. Created on first use."""
    if os.environ.get('DMLC_ROLE') != 'worker':
        return None
    atexit.register(_exit_now_unless_left)
    return mx.kv.create('dist_sync')


_left = False  # whether this worker left the kvstore's group (leave_distributed)


def _exit_now_unless_left():
    """A worker that ends without ``leave_distributed`` (an error) exits at once, with
    status 1: at Python's exit MXNet's kvstore waits, in a barrier, for the other
    workers, which wait for this one, and the launch would hang."""
    if not _left:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)


def init_distributed():
    """``(rank, number of workers)`` of this process: ``(0, 1)``, training on all of
    the machine's GPUs (as the book does), unless MXNet's launcher started several
    workers (``python -m d2lsent.mxlaunch``), which then train together through the
    ``dist_sync`` kvstore. ``torchrun`` launches the PyTorch backend only."""
    if machine.launched_processes() > 1:
        raise ValueError('A launcher (torchrun) started several processes, but the MXNet '
                         'backend trains in one process, on all GPUs, or with MXNet\'s own '
                         'launcher: run it without torchrun (python -m d2lsent.mxlaunch '
                         'for several processes), or use --backend torch.')
    kv = kvstore()
    return (kv.rank, kv.num_workers) if kv else (0, 1)


def leave_distributed():
    """Mark this worker's work as done: MXNet's distributed kvstore, which closes as the
    process exits, then waits there for all workers (a barrier)."""
    global _left
    _left = True


def _sum_over_workers(kv, key, value, out):
    """Push this worker's ``value`` for ``key`` to the kvstore ``kv``, then pull the sum
    over all workers into ``out`` (an array, or a list of one per device). Not
    ``pushpull``: in MXNet 1.9.1 its answer can come before the server has stored the
    sum (docs/distributed.md); a pull waits for it.
    """
    kv.push(key, value)
    kv.pull(key, out=out)


@functools.cache  # once per length and process
def _sum_key(length):
    """The kvstore key on which ``all_sum`` sums ``length`` numbers, initialised."""
    key = 1_000_000 + length  # far from the trainer's keys (0, 1, ...)
    kvstore().init(key, mx.nd.zeros(length, dtype='float64'))
    return key


def all_sum(values):
    """The sums of ``values`` (numbers) over all workers of the distributed kvstore."""
    sums = mx.nd.zeros(len(values), dtype='float64')
    _sum_over_workers(kvstore(), _sum_key(len(values)),
                     mx.nd.array([float(v) for v in values], dtype='float64'), sums)
    return sums.asnumpy().tolist()


_flushing = False  # whether setup flushed denormals before MXNet's threads started


def setup(flush=True):
    """Process-wide settings, once, before MXNet's first operation (``backend.load``
    calls it): at most 16 cached oneDNN primitives (``onednn``), and unless ``flush`` is
    false, denormal floats flushed to zero in this thread, whose mode the worker threads
    that MXNet starts at its first operation take (MXNet has no switch of its own; some
    CPUs compute denormals slowly). Returns whether denormals are flushed. (MXNet reads
    its number of threads, ``OMP_NUM_THREADS``, when it is imported.)"""
    global _flushing
    onednn.cap_primitive_cache()
    if flush and not _flushing:
        # numpy computes its float limits once; do it before subnormals are flushed, or
        # it warns that the smallest subnormal is zero (matplotlib asks for them).
        onp.finfo(onp.float32), onp.finfo(onp.float64)
        _flushing = fpu.set_flush_denormals(True)
    return _flushing


@contextlib.contextmanager
def flush_denormals(enabled=True):
    """Yields whether denormals are flushed: MXNet's threads keep the mode they started
    with (``setup``), whatever ``enabled`` asks."""
    yield _flushing


def _data(param, device=None):
    """A parameter's array on ``device``; by default its first copy (there is one
    per device in multi-device training)."""
    return param.list_data()[0] if device is None else param.data(device)


def lstm_params(lstm, device=None):
    """``{PyTorch name: ndarray}`` of a Gluon LSTM's parameters, in either Gluon version
    (the copy on ``device``; by default the first).

    Inside ``autograd.record()`` the arrays take part in the gradient.
    """
    names = layout.lstm_names(lstm._num_layers, prefix='')
    if hasattr(lstm, 'rnn_param'):  # Gluon 2.0: one fused vector
        shapes = layout.lstm_shapes(lstm._input_size, lstm._hidden_size,
                                     lstm._num_layers, prefix='')
        return layout.unpack(_data(lstm.rnn_param, device), shapes)
    return {name: _data(getattr(lstm, layout.gluon1_name(name)), device) for name in names}


def reverse_padded(x, lengths):
    """Reverse the first ``lengths[b]`` steps of each sequence ``b``, keep the padding.

    ``x`` is time-major, ``(num_steps, batch, ...)``; applying it twice gives ``x``.
    (MXNet's numpy interface has no ``sequence_reverse``; indexing does it.)
    """
    t = np.arange(x.shape[0], dtype=lengths.dtype).as_in_ctx(x.ctx).reshape(-1, 1)
    steps = np.where(t < lengths, lengths - 1 - t, t)  # (num_steps, batch)
    batch = np.broadcast_to(np.arange(x.shape[1], dtype=lengths.dtype).as_in_ctx(x.ctx),
                            steps.shape)
    return x[steps, batch]


def masked_lstm(lstm, x, lengths):
    """The outputs of the bidirectional ``lstm`` as if each sequence ran alone, unpadded.

    As in the PyTorch backend: each layer runs each direction as a one-layer
    LSTM with the fused layer's own weights, the backward one on the sequences
    reversed within their lengths, so the outputs
    at the real tokens are exact; those at padded positions are meaningless.
    """
    params, hidden = lstm_params(lstm, x.ctx), lstm._hidden_size
    h0 = np.zeros((1, x.shape[1], hidden), dtype=x.dtype).as_in_ctx(x.ctx)
    for layer in range(lstm._num_layers):
        directions = []
        for suffix in ('', '_reverse'):
            names = [f'{kind}_{source}_l{layer}{suffix}'
                     for kind in ('weight', 'bias') for source in ('ih', 'hh')]
            flat = np.concatenate([params[n].reshape(-1) for n in names])
            inputs = reverse_padded(x, lengths) if suffix else x
            outputs = npx.rnn(inputs, flat, h0, h0, state_size=hidden, num_layers=1,
                              mode='lstm', bidirectional=False, state_outputs=False)
            directions.append(reverse_padded(outputs, lengths) if suffix else outputs)
        x = np.concatenate(directions, axis=2)
        if lstm._dropout and layer < lstm._num_layers - 1:  # as the fused LSTM does
            x = npx.dropout(x, p=lstm._dropout)  # active only in autograd's training mode
    return x


class BiRNN(nn.Block):
    """Embedding -> 2-layer bidirectional LSTM -> first and last outputs -> 2 classes."""

    def __init__(self, vocab_size, embed_size=100, num_hiddens=100, num_layers=2,
                 dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        # Dropout on the embeddings and between the LSTM layers (training only; no
        # parameters, so the model contract is the same for any rate).
        self.dropout = nn.Dropout(dropout)
        self.encoder = rnn.LSTM(num_hiddens, num_layers=num_layers, bidirectional=True,
                                input_size=embed_size, dropout=dropout)
        # in_units: all shapes known at once (the book infers it on the first batch).
        self.decoder = nn.Dense(2, in_units=4 * num_hiddens)

    def forward(self, inputs, lengths=None):
        """``(batch, num_steps)`` token ids -> ``(batch, 2)`` logits.

        Without ``lengths`` (the book's recipe) every sequence runs all steps;
        with them, the outputs are taken at each review's first and last token.
        """
        # The LSTM reads time-major input: (num_steps, batch, embed_size).
        embeddings = self.dropout(self.embedding(inputs.T))
        if lengths is None:
            outputs = self.encoder(embeddings)  # (num_steps, batch, 2 * num_hiddens)
            last = outputs[-1]
        else:
            outputs = masked_lstm(self.encoder, embeddings, lengths)
            batch = np.arange(len(lengths), dtype=lengths.dtype).as_in_ctx(lengths.ctx)
            last = outputs[lengths - 1, batch]
        # Both directions at the first and at the last step: (batch, 4 * num_hiddens).
        encoding = np.concatenate((outputs[0], last), axis=1)
        return self.decoder(encoding)


def initialize(net, device=None, lstm_xavier=False):
    """Per block: Xavier on the embedding and the decoder, the LSTM Gluon's own default
    (Gluon 2.0's Xavier rejects the fused LSTM's 1-D weights); with ``lstm_xavier``,
    the book's ``net.initialize(init.Xavier())``: Xavier on the LSTM's weight matrices
    too and its biases zero (in Gluon 2.0 drawn matrix by matrix into the fused vector).
    Returns ``net``, on ``device`` (by default the first GPU, else the CPU)."""
    device = device or try_all_gpus()[0]
    fused = hasattr(net.encoder, 'rnn_param')
    if lstm_xavier and not fused:
        net.initialize(init.Xavier(), device)
        return net
    # The device goes by position: Gluon 1.x calls it ctx, Gluon 2.0 device.
    net.embedding.initialize(init.Xavier(), device)
    if fused:  # Gluon 2.0 sizes its fused vector from a batch
        net.encoder.infer_shape(np.zeros((1, 1, net.embedding.weight.shape[1])))
    net.encoder.initialize(init.Uniform(), device)  # initialize's own default init
    net.decoder.initialize(init.Xavier(), device)
    if lstm_xavier:
        params = {name: onp.zeros(p.shape) if 'bias' in name else _xavier(p.shape)
                  for name, p in lstm_params(net.encoder).items()}
        _set_lstm(net.encoder, {f'encoder.{k}': v for k, v in params.items()})
    return net


def _xavier(shape):
    """A matrix drawn as Gluon's ``init.Xavier()`` draws it (uniform, magnitude 3)."""
    bound = (3 / ((shape[0] + shape[1]) / 2)) ** 0.5
    return np.random.uniform(-bound, bound, shape).asnumpy()


def seed(value):
    """Seed MXNet's generator: initial weights and dropout masks."""
    mx.random.seed(value)


def copy_embedding(net, vectors):
    """Copy the word vectors ``vectors`` (numpy, one row per token) into the embedding,
    as the book does."""
    net.embedding.weight.set_data(np.array(vectors))


def freeze_embedding(net):
    """Keep the embedding fixed in training, as the book does with GloVe (the book's
    ``collect_params().setattr('grad_req', 'null')``, which Gluon 2.0 no longer has)."""
    net.embedding.weight.grad_req = 'null'


def predict_logits(net, X, *lengths, device=None):
    """``(batch, num_steps)`` token ids (and lengths) -> ``(batch, 2)`` numpy logits, on
    ``device`` (by default the model's). Outside ``autograd.record()`` Gluon predicts:
    no dropout, no gradients."""
    device = device or _data(net.embedding.weight).ctx
    return to_numpy(net(X.as_in_ctx(device), *(l.as_in_ctx(device) for l in lengths)))


class TrainStep:
    """Adam + cross-entropy on one minibatch: ``step(X, y[, lengths])`` trains ``net`` and
    returns the summed loss, the number of correct predictions and the number of
    examples (``backend.TrainStep``).

    Each device's loss is summed over its examples and divided by the size of the
    minibatch: the update equals PyTorch's with its mean loss, so the same ``lr``
    means the same. With a list of devices as ``device`` (``net`` has a copy of its
    parameters on each), each minibatch is split between them and the trainer sums
    their gradients, as the book trains on several GPUs. With a distributed kvstore
    ``kv`` each worker trains on its part of the minibatch, the kvstore sums the
    workers' gradients (every worker pushes its own, then pulls the sum),
    ``trainer.update`` divides them by the number of workers (the mean, as PyTorch's
    DistributedDataParallel) and every worker applies the same update.
    """

    def __init__(self, net, config, device, kv=None):
        self.net, self.kv = net, kv
        self.devices = device if isinstance(device, (list, tuple)) else [device]
        self.loss = gluon.loss.SoftmaxCrossEntropyLoss()
        self.trainer = gluon.Trainer(net.collect_params(), 'adam',
                                     {'learning_rate': config.lr, 'wd': config.weight_decay},
                                     update_on_kvstore=False)  # we call allreduce, update
        self.trained = [p for p in net.collect_params().values() if p.grad_req != 'null']
        if kv:  # every worker starts from the parameters of worker 0
            for key, param in enumerate(self.trained):
                kv.init(key, _data(param))
                kv.pull(key, out=param.list_data())

    def __call__(self, X, y, *lengths):  # lengths: only in the fast recipe
        # One part per device: [(X, y, *lengths) on device 0, ...].
        parts = list(zip(*(gluon.utils.split_and_load(a, self.devices, even_split=False)
                           for a in (X, y, *lengths))))
        with autograd.record():
            outputs = [(self.net(X_part, *rest), y_part) for X_part, y_part, *rest in parts]
            losses = [self.loss(y_hat, y_part).sum() / len(y) for y_hat, y_part in outputs]
        for l in losses:
            l.backward()
        self.trainer.allreduce_grads()  # over this process's devices
        if self.kv:  # over the workers
            for key, param in enumerate(self.trained):
                _sum_over_workers(self.kv, key, param.list_grad()[0], param.list_grad())
        self.trainer.update(self.kv.num_workers if self.kv else 1)
        correct = sum(float((y_hat.argmax(axis=1).astype(y_part.dtype) == y_part).sum())
                      for y_hat, y_part in outputs)
        return sum(float(l) for l in losses) * len(y), correct, len(y)

    def set_learning_rate(self, lr):
        self.trainer.set_learning_rate(lr)  # for the updates that follow

    def state(self):
        """What a resumed run needs besides the parameters, as numpy arrays: Adam's
        moments and step count per parameter. (MXNet cannot read its random state, so
        a resumed run with dropout draws other masks than an unbroken one.)"""
        optimizer = self.trainer._optimizer
        arrays = {'num_update': onp.array(optimizer.num_update)}
        for index, (mean, var) in self.trainer._updaters[0].states.items():
            arrays.update({f'adam:{index}:mean': mean.asnumpy(),
                           f'adam:{index}:var': var.asnumpy(),
                           f'adam:{index}:count': onp.array(
                               optimizer._index_update_count[index])})
        return arrays

    def load_state(self, arrays):
        """Put back what ``state`` returned (on every device's updater)."""
        optimizer = self.trainer._optimizer
        optimizer.num_update = int(arrays['num_update'])
        indices = {int(k.split(':')[1]) for k in arrays if k.startswith('adam:')}
        for index in indices:
            optimizer._index_update_count[index] = int(arrays[f'adam:{index}:count'])
        for device, updater in enumerate(self.trainer._updaters):
            for index in indices:  # states of the kind and on the device Adam makes them
                weight = self.trainer._params[index].list_data()[device]
                mean, var = updater.optimizer.create_state(index, weight)
                mean[:], var[:] = arrays[f'adam:{index}:mean'], arrays[f'adam:{index}:var']
                updater.states[index] = (mean, var)
                updater.states_synced[index] = True


def prepare_training(net, config, devices=None):
    """``(step, eval_net, device)``: ``net`` with a copy of its parameters on each of
    ``devices`` (all GPUs by default; each minibatch is split between them,
    ``TrainStep``), or, started by MXNet's launcher (``init_distributed``), a
    worker whose gradients the ``dist_sync`` kvstore sums with the others'; its
    training step; the model to evaluate and the device to evaluate on (the first)."""
    devices = devices or try_all_gpus()
    if len(devices) > 1:  # a copy of the parameters on each device
        if hasattr(net, 'reset_device'):  # Gluon 2.0
            net.reset_device(devices)
        else:
            net.collect_params().reset_ctx(devices)
    kv = kvstore()
    if kv:
        mx.random.seed(config.seed + kv.rank)  # dropout: masks of its own
    return TrainStep(net, config, devices, kv), net, devices[0]


def get_params(net):
    """``{PyTorch name: numpy array}`` of ``net``'s parameters (the checkpoint format)."""
    params = {f'encoder.{n}': v.asnumpy() for n, v in lstm_params(net.encoder).items()}
    for block in ('embedding', 'decoder'):
        for kind, p in getattr(net, block).collect_params().items():
            params[f"{block}.{kind.rsplit('_', 1)[-1]}"] = _data(p).asnumpy()
    return params


def set_params(net, params):
    """Copy ``{PyTorch name: numpy array}`` into ``net`` (shapes already checked)."""
    for name in ('embedding.weight', 'decoder.weight', 'decoder.bias'):
        block, kind = name.split('.')
        getattr(getattr(net, block), kind).set_data(np.array(params[name]))
    _set_lstm(net.encoder, params)


def _set_lstm(lstm, params):
    """Copy ``{PyTorch name: array}`` (``encoder.`` names) into a Gluon LSTM."""
    names = layout.lstm_names(lstm._num_layers)
    if hasattr(lstm, 'rnn_param'):  # Gluon 2.0: one fused vector
        lstm.rnn_param.set_data(np.array(layout.pack(params, names)))
    else:
        for name in names:
            getattr(lstm, layout.gluon1_name(name.split('.', 1)[1])).set_data(
                np.array(params[name]))


def launch_command(num_processes, args):
    """The command that runs ``python -m d2lsent ARGS`` in ``num_processes`` workers under
    this project's launcher for MXNet's distributed kvstore (``d2lsent.mxlaunch``, on
    this machine)."""
    return [sys.executable, '-m', 'd2lsent.mxlaunch', '-n', str(num_processes),
            sys.executable, '-m', 'd2lsent', *args]


# The book's functions that are the same in every backend, written once (d2lsent.backend),
# by their names.
globals().update(backend.book_functions(sys.modules[__name__]))
