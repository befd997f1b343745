"""PyTorch backend: ``from d2lsent import torch as d2l``.

It provides the operations of the backend contract (``d2lsent.backend.Backend``);
everything framework-neutral (data, vocabulary, GloVe, the training loop,
prediction, checkpoints) lives in the other modules of ``d2lsent`` and is
re-exported here under the book's names, so one import line serves a notebook,
as with ``from d2l import torch as d2l``.
"""
import contextlib
import datetime
import io
import os
import sys

import numpy as np
import torch
from torch import distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from . import backend, bookcode, fpu, machine, onednn
from .batching import Buckets, Minibatches
from .config import Config
from .glove import TokenEmbedding, coverage
from .imdb import read_imdb
from .text import Vocab, tokenize, truncate_pad

NAME = 'torch'
__all__ = list(backend.PUBLIC_NAMES)

# Length buckets make hundreds of input shapes; oneDNN reads the cap when it makes its
# first primitive (the first LSTM call).
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
        directions = []
        for suffix in ('', '_reverse'):
            weights = [getattr(lstm, f'{name}_l{layer}{suffix}')
                       for name in ('weight_ih', 'weight_hh', 'bias_ih', 'bias_hh')]
            inputs = reverse_padded(x, lengths) if suffix else x
            # torch.lstm is the kernel behind nn.LSTM: here 1 layer, 1 direction.
            outputs = torch.lstm(inputs, (h0, h0), weights, True, 1, 0.0, lstm.training,
                                 False, False)[0]
            directions.append(reverse_padded(outputs, lengths) if suffix else outputs)
        x = torch.cat(directions, dim=2)
        if lstm.dropout and layer < lstm.num_layers - 1:
            x = nn.functional.dropout(x, lstm.dropout, lstm.training)
    return x


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


def initialize(net, device=None, lstm_xavier=False):
    """Xavier on the embedding and the decoder; the LSTM keeps PyTorch's own
    initialisation (set when it was built) unless ``lstm_xavier``, which puts
    Xavier on its weight matrices too, as the book's ``init_weights`` does."""
    if lstm_xavier:  # the book's own init_weights: from one seed, the book's draws
        net.apply(bookcode.init_weights)
        nn.init.xavier_uniform_(net.embedding.weight)  # after: the book leaves it to GloVe
    else:
        nn.init.xavier_uniform_(net.embedding.weight)
        nn.init.xavier_uniform_(net.decoder.weight)
    return net.to(device or default_device())


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


def new_model(vocab_size, embed_size, config, device=None):
    """A ``BiRNN`` for ``config``, initialised (``initialize``; the LSTM as the book
    does in the book's recipe), on ``device``."""
    net = BiRNN(vocab_size, embed_size, config.num_hiddens, config.num_layers,
                config.dropout)
    return initialize(net, device, lstm_xavier=config.recipe == 'book')


def build_model(vocab, embedding, config, device=None):
    """A seeded ``BiRNN`` whose embedding is copied from ``embedding`` (GloVe).

    Xavier initialises the embedding and the decoder; the LSTM keeps PyTorch's
    own initialisation, except in the book's recipe (``initialize``). The embedding is fine-tuned unless
    ``config.freeze_embedding``; it keeps Xavier's values (the width of
    ``embedding``) if ``config.embedding_init == 'xavier'``.
    """
    torch.manual_seed(config.seed)
    net = new_model(len(vocab), embedding.dim, config, device)
    if config.embedding_init == 'glove':
        with torch.no_grad():
            net.embedding.weight.copy_(torch.from_numpy(embedding[vocab.idx_to_token]))
    net.embedding.weight.requires_grad_(not config.freeze_embedding)
    return net


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


def make_train_step(net, config, device):
    """Adam + cross-entropy: a function that trains ``net`` on one minibatch.

    It takes a batch ``(X, y)`` or ``(X, y, lengths)`` and returns the summed
    loss, the number of correct predictions and the number of examples.
    """
    loss = nn.CrossEntropyLoss()  # the mean over the minibatch
    optimizer = torch.optim.Adam([p for p in net.parameters() if p.requires_grad],
                                 lr=config.lr, weight_decay=config.weight_decay)

    def step(X, y, *lengths):  # lengths: only in the fast recipe
        net.train()
        X, y = X.to(device), y.to(device)
        y_hat = net(X, *(l.to(device) for l in lengths))
        l = loss(y_hat, y)
        optimizer.zero_grad()
        l.backward()
        optimizer.step()
        return l.detach() * len(y), (y_hat.argmax(dim=1) == y).sum(), len(y)

    def get_state():  # what a resumed run needs: Adam's moments, the random state
        buffer = io.BytesIO()
        torch.save({'optimizer': optimizer.state_dict(), 'random': torch.get_rng_state()},
                   buffer)
        return buffer.getvalue()

    def set_state(state):
        saved = torch.load(io.BytesIO(state), weights_only=True)  # tensors, no code
        optimizer.load_state_dict(saved['optimizer'])
        torch.set_rng_state(saved['random'])

    def set_learning_rate(lr):  # for the updates that follow
        for group in optimizer.param_groups:
            group['lr'] = lr
    step.get_state, step.set_state, step.set_learning_rate = get_state, set_state, \
        set_learning_rate
    return step


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
    return make_train_step(model, config, devices[0]), net if processes else model, devices[0]


# The book's functions that are the same in every backend, written once (d2lsent.backend).
(load_array, load_data_imdb, evaluate_accuracy, predict_proba, predict_sentiment,
 read_review, train, fit, save_model, load_model,
 load_pretrained) = backend.book_functions(sys.modules[__name__])
