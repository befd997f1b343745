"""PyTorch backend: ``from d2lsent import torch as d2l``.

It provides the operations of the backend contract (``d2lsent.backend.Backend``);
everything framework-neutral (data, vocabulary, GloVe, the training loop,
prediction, checkpoints) lives in the other modules of ``d2lsent`` and is
re-exported here under the book's names, so one import line serves a notebook,
as with ``from d2l import torch as d2l``.
"""
import contextlib
import datetime
import functools
import os
import sys

import numpy as np

from . import backend, fpu, machine, onednn

torch = backend.import_framework('torch')
from torch import distributed as dist  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn.parallel import DistributedDataParallel  # noqa: E402

from .batching import Buckets, Minibatches  # noqa: E402
from .config import Config  # noqa: E402
from .glove import TokenEmbedding, coverage  # noqa: E402
from .imdb import read_imdb  # noqa: E402
from .text import Vocab, tokenize, truncate_pad  # noqa: E402

NAME = 'torch'
__all__ = list(backend.PUBLIC_NAMES)

def setup():
    """Process-wide settings, once, before the first LSTM call (``backend.load`` calls
    it): at most 16 cached oneDNN primitives, as length buckets make hundreds of input
    shapes (``onednn``). PyTorch flushes denormals per block (``flush_denormals``)."""
    onednn.cap_primitive_cache()


def to_tensor(array):
    """A numpy array as a torch tensor (sharing memory, same dtype)."""
    return torch.from_numpy(array)


def to_numpy(tensor):
    """A tensor as a numpy array (copied to the CPU if it is on a GPU)."""
    return tensor.detach().cpu().numpy()


def num_threads():
    """Threads PyTorch uses for its CPU operators."""
    return torch.get_num_threads()


def num_gpus():
    """How many GPUs PyTorch sees."""
    return torch.cuda.device_count()


def describe_devices():
    """The devices training uses, in words: ``'cpu'`` or ``'1 x NVIDIA H200'``."""
    count = num_gpus()
    return f'{count} x {torch.cuda.get_device_name(0)}' if count else 'cpu'


def peak_memory_mb(device):
    """The most memory PyTorch has held on ``device`` so far, if a GPU (MiB)."""
    device = torch.device(device)
    return torch.cuda.max_memory_allocated(device) / 2**20 if device.type == 'cuda' else None


def try_all_gpus():
    """All GPUs, or ``[cpu]`` when there are none (never an empty list)."""
    return ([torch.device(f'cuda:{i}') for i in range(torch.cuda.device_count())]
            or [torch.device('cpu')])


def default_device():
    """The current GPU (under ``torchrun``, each process's own), else the CPU."""
    if torch.cuda.is_available():
        return torch.device('cuda', torch.cuda.current_device())
    return torch.device('cpu')


_metrics_group = None  # the process group in which all_sum sums (init_distributed)


def init_distributed():
    """``(rank, number of processes)`` of this process: ``(0, 1)`` unless ``torchrun``
    launched several, which then join one process group here.

    One process per GPU (NCCL), or several CPU processes (gloo). A process that
    waits for the others longer than ``$D2LSENT_DIST_TIMEOUT`` seconds (default
    600) fails instead of hanging; ``torchrun`` then stops them all. Every process
    ends with ``leave_distributed``.
    """
    global _metrics_group
    num_processes = machine.launched_processes()
    if num_processes == 1:
        return 0, 1
    if not dist.is_initialized():
        if torch.cuda.is_available():
            torch.cuda.set_device(int(os.environ['LOCAL_RANK']))
        timeout = float(os.environ.get('D2LSENT_DIST_TIMEOUT') or 600)
        dist.init_process_group('nccl' if torch.cuda.is_available() else 'gloo',
                                timeout=datetime.timedelta(seconds=timeout))
        _metrics_group = dist.new_group(backend='gloo')  # see leave_distributed
    return dist.get_rank(), dist.get_world_size()


def leave_distributed():
    """Leave the process groups of ``init_distributed``, after this process's last
    collective (in one process: nothing).

    Why the metrics have a group of their own: a gloo worker thread lets go of a
    collective's tensors just after the collective has ended, and if the tensor was
    made in Python (as ``all_sum``'s), that needs the interpreter; a process whose
    Python is already shutting down then aborts (``terminate called without an
    active exception``). Destroying a group ends its threads, but
    ``DistributedDataParallel`` keeps its group (the default one) alive until the
    process ends. So ``all_sum`` sums in a group that DDP never sees, destroyed
    here while Python runs; DDP's group only holds tensors that DDP makes in C++.
    """
    global _metrics_group
    if dist.is_initialized():
        _metrics_group = None
        dist.destroy_process_group()


def all_sum(values):
    """The sums of ``values`` (numbers) over all processes of the process group
    (on the CPU, with gloo, in a group of their own: ``leave_distributed``)."""
    sums = torch.tensor([float(v) for v in values], dtype=torch.float64)
    dist.all_reduce(sums, group=_metrics_group)
    return sums.tolist()


def reverse_padded(x, lengths):
    """Reverse the first ``lengths[b]`` steps of each sequence ``b``, keep the padding.

    ``x`` is time-major, ``(num_steps, batch, ...)``; applying it twice gives ``x``.
    """
    t = torch.arange(x.shape[0], device=x.device).unsqueeze(1)  # (num_steps, 1)
    idx = torch.where(t < lengths, lengths - 1 - t, t)  # (num_steps, batch)
    return x.gather(0, idx.reshape(*idx.shape, *[1] * (x.dim() - 2)).expand_as(x))


def masked_lstm(lstm, x, lengths):
    """The outputs of the bidirectional ``lstm`` as if each sequence ran alone, unpadded.

    A fused bidirectional LSTM on right-padded input is exact in the forward
    direction (the padding comes after the tokens) but not backwards: that
    direction reads the padding first. So each layer runs each direction as a
    one-layer LSTM with the fused module's own weights, the backward one on
    the sequences reversed within their lengths (padding stays at the end).
    Outputs at padded positions are meaningless; those at real tokens are exact.
    """
    h0 = x.new_zeros(1, x.shape[1], lstm.hidden_size)
    for layer in range(lstm.num_layers):
        x = torch.cat(_both_directions(lstm, x, lengths, layer, h0), dim=2)
        if lstm.dropout and layer < lstm.num_layers - 1:
            x = nn.functional.dropout(x, lstm.dropout, lstm.training)
    return x


def _direction(lstm, x, lengths, layer, suffix, h0):
    """One direction (``suffix`` '' or '_reverse') of one layer of ``lstm`` on ``x``; the
    backward one reads each sequence reversed within its length."""
    weights = [getattr(lstm, f'{name}_l{layer}{suffix}')
               for name in ('weight_ih', 'weight_hh', 'bias_ih', 'bias_hh')]
    inputs = reverse_padded(x, lengths) if suffix else x
    # torch.lstm is the kernel behind nn.LSTM: here 1 layer, 1 direction.
    outputs = torch.lstm(inputs, (h0, h0), weights, True, 1, 0.0, lstm.training, False,
                         False)[0]
    return reverse_padded(outputs, lengths) if suffix else outputs


# On a GPU the two directions of a layer, each a chain of small kernels, run side by side
# on two CUDA streams (their gradients too); the CPU has no such streams.
SIDE_BY_SIDE = {'cpu': False, 'cuda': True}


def _both_directions(lstm, x, lengths, layer, h0):
    """``(forward outputs, backward outputs)`` of one layer."""
    if not SIDE_BY_SIDE[x.device.type]:
        return [_direction(lstm, x, lengths, layer, s, h0) for s in ('', '_reverse')]
    main, side = torch.cuda.current_stream(x.device), _side_stream(x.device)
    side.wait_stream(main)  # x is ready
    forward = _direction(lstm, x, lengths, layer, '', h0)
    with torch.cuda.stream(side):
        backward = _direction(lstm, x, lengths, layer, '_reverse', h0)
    main.wait_stream(side)
    for tensor in (x, lengths, h0):  # used on both streams: freed after both
        tensor.record_stream(side)
    return forward, backward


@functools.cache
def _side_stream(device):
    """A second CUDA stream on ``device`` (one per device and process)."""
    return torch.cuda.Stream(device)


class BiRNN(nn.Module):
    """Embedding -> 2-layer bidirectional LSTM -> first and last outputs -> 2 classes."""

    def __init__(self, vocab_size, embed_size=100, num_hiddens=100, num_layers=2,
                 dropout=0.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        # Dropout on the embeddings and between the LSTM layers (training only; no
        # parameters, so the model contract is the same for any rate).
        self.dropout = nn.Dropout(dropout)
        self.encoder = nn.LSTM(embed_size, num_hiddens, num_layers=num_layers,
                               bidirectional=True, dropout=dropout)
        self.decoder = nn.Linear(4 * num_hiddens, 2)

    def forward(self, inputs, lengths=None):
        """``(batch, num_steps)`` token ids -> ``(batch, 2)`` logits.

        Without ``lengths`` (the book's recipe) every sequence runs all steps;
        with them, the outputs are taken at each review's first and last token.
        """
        # The LSTM reads time-major input: (num_steps, batch, embed_size).
        embeddings = self.dropout(self.embedding(inputs.T))
        if lengths is None:
            outputs, _ = self.encoder(embeddings)  # (num_steps, batch, 2 * num_hiddens)
            last = outputs[-1]
        else:
            outputs = masked_lstm(self.encoder, embeddings, lengths)
            last = outputs[lengths - 1, torch.arange(len(lengths), device=inputs.device)]
        # Both directions at the first and at the last step: (batch, 4 * num_hiddens).
        encoding = torch.cat((outputs[0], last), dim=1)
        return self.decoder(encoding)


def init_weights(module):
    """The book's initialisation, word for word (d2l 1.0.3), applied with
    ``net.apply(init_weights)``: Xavier on the linear layers' and the LSTM's weights."""
    if type(module) == nn.Linear:
        nn.init.xavier_uniform_(module.weight)
    if type(module) == nn.LSTM:
        for param in module._flat_weights_names:
            if "weight" in param:
                nn.init.xavier_uniform_(module._parameters[param])


def initialize(net, device=None, lstm_xavier=False):
    """Xavier on the embedding and the decoder; the LSTM keeps PyTorch's own
    initialisation (set when it was built) unless ``lstm_xavier``, which puts
    Xavier on its weight matrices too, as the book's ``init_weights`` does. Returns
    ``net``, on ``device`` (by default the current GPU, else the CPU)."""
    if lstm_xavier:  # the book's own function: from one seed, the book's draws
        net.apply(init_weights)
        nn.init.xavier_uniform_(net.embedding.weight)  # after: the book leaves it to GloVe
    else:
        nn.init.xavier_uniform_(net.embedding.weight)
        nn.init.xavier_uniform_(net.decoder.weight)
    return net.to(device or default_device())


def seed(value):
    """Seed PyTorch's generator: initial weights and dropout masks."""
    torch.manual_seed(value)


def copy_embedding(net, vectors):
    """Copy the word vectors ``vectors`` (numpy, one row per token) into the embedding,
    as the book does."""
    net.embedding.weight.data.copy_(torch.from_numpy(vectors))


def freeze_embedding(net):
    """Keep the embedding fixed in training, as the book does with GloVe."""
    net.embedding.weight.requires_grad = False


def lstm_params(lstm):
    """``{name: parameter}`` of an ``nn.LSTM`` (the names checkpoints use)."""
    return dict(lstm.named_parameters())


def get_params(net):
    """``{name: numpy array}`` of ``net``'s parameters (the checkpoint format): copies,
    as in the MXNet backend (``.numpy()`` alone would share the parameters' memory)."""
    return {k: v.detach().cpu().numpy().copy() for k, v in net.state_dict().items()}


def set_params(net, params):
    """Copy ``{name: numpy array}`` into ``net`` (shapes already checked)."""
    net.load_state_dict({k: torch.from_numpy(v) for k, v in params.items()})


def predict_logits(net, X, *lengths, device=None):
    """``(batch, num_steps)`` token ids (and lengths) -> ``(batch, 2)`` numpy logits, in
    evaluation mode, on ``device`` (by default the model's)."""
    device = device or next(net.parameters()).device
    net.eval()
    with torch.inference_mode():
        return to_numpy(net(X.to(device), *(l.to(device) for l in lengths)))


@contextlib.contextmanager
def flush_denormals(enabled=True):
    """Flush denormal floats to zero inside the block, in every thread, then restore
    the mode.

    Denormal floats in the backward pass through long sequences slow some CPUs
    several-fold (see BENCHMARKS.md). The fast recipe flushes them; the book does not.
    ``torch.set_flush_denormal`` sets the calling thread only, so the OpenMP worker
    threads are restarted to take its mode. Yields whether they are flushed
    (``set_flush_denormal`` fails without SSE3).
    """
    # numpy computes its float limits once; do it before subnormals are flushed,
    # or it warns that the smallest subnormal is zero (matplotlib asks for them).
    np.finfo(np.float32), np.finfo(np.float64)
    flushing = enabled and torch.set_flush_denormal(True)
    if flushing:
        fpu.restart_openmp_threads()
    try:
        yield flushing
    finally:
        if flushing:
            torch.set_flush_denormal(False)
            fpu.restart_openmp_threads()


class TrainStep:
    """Adam + cross-entropy on one minibatch: ``step(X, y[, lengths])`` trains ``net`` on
    ``device`` and returns the summed loss, the number of correct predictions and the
    number of examples (``backend.TrainStep``)."""

    def __init__(self, net, config, device):
        self.net, self.device = net, device
        self.loss = nn.CrossEntropyLoss()  # the mean over the minibatch
        self.optimizer = torch.optim.Adam([p for p in net.parameters() if p.requires_grad],
                                          lr=config.lr, weight_decay=config.weight_decay)

    def __call__(self, X, y, *lengths):  # lengths: only in the fast recipe
        self.net.train()
        X, y = X.to(self.device), y.to(self.device)
        y_hat = self.net(X, *(l.to(self.device) for l in lengths))
        l = self.loss(y_hat, y)
        self.optimizer.zero_grad()
        l.backward()
        self.optimizer.step()
        return l.detach() * len(y), (y_hat.argmax(dim=1) == y).sum(), len(y)

    def set_learning_rate(self, lr):
        for group in self.optimizer.param_groups:  # for the updates that follow
            group['lr'] = lr

    def state(self):
        """What a resumed run needs besides the parameters, as numpy arrays: Adam's
        moments and step counts per parameter, and the random state (dropout)."""
        arrays = {'random': torch.get_rng_state().numpy()}
        for index, moments in self.optimizer.state_dict()['state'].items():
            arrays.update({f'adam:{index}:{k}': to_numpy(v).copy()  # not the live ones
                           for k, v in moments.items()})
        if self.device.type == 'cuda':
            arrays['random_cuda'] = torch.cuda.get_rng_state(self.device).numpy()
        return arrays

    def load_state(self, arrays):
        """Put back what ``state`` returned."""
        saved = self.optimizer.state_dict()
        saved['state'] = {}
        for key, value in arrays.items():
            if key.startswith('adam:'):
                _, index, name = key.split(':')
                saved['state'].setdefault(int(index), {})[name] = torch.from_numpy(value)
        self.optimizer.load_state_dict(saved)
        torch.set_rng_state(torch.from_numpy(arrays['random']))
        if 'random_cuda' in arrays:
            torch.cuda.set_rng_state(torch.from_numpy(arrays['random_cuda']), self.device)


def prepare_training(net, config, devices=None):
    """``(step, eval_net, device)``: ``net`` on all GPUs (data parallel) when there are
    several, or under ``torchrun`` (``init_distributed``) on this process's device,
    wrapped in ``DistributedDataParallel``, which averages the gradients across
    processes; its training step; the model to evaluate and its device."""
    processes = dist.is_initialized()
    devices = devices or ([default_device()] if processes else try_all_gpus())
    net.to(devices[0])
    if processes:
        model = DistributedDataParallel(
            net, device_ids=[devices[0]] if devices[0].type == 'cuda' else None)
        torch.manual_seed(config.seed + dist.get_rank())  # dropout: masks of its own
    else:
        model = nn.DataParallel(net, devices) if len(devices) > 1 else net
    return TrainStep(model, config, devices[0]), net if processes else model, devices[0]


def launch_command(num_processes, args):
    """The command that runs ``python -m d2lsent ARGS`` in ``num_processes`` processes
    under PyTorch's launcher (``torchrun``, on this machine)."""
    return [sys.executable, '-m', 'torch.distributed.run', '--standalone',
            '--nproc_per_node', str(num_processes), '-m', 'd2lsent', *args]


# The book's functions that are the same in every backend, written once (d2lsent.backend),
# by their names.
globals().update(backend.book_functions(sys.modules[__name__]))
