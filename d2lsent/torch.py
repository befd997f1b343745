"""PyTorch backend: ``from d2lsent import torch as d2l``.

Everything framework-neutral (data, vocabulary, GloVe) lives in the other
modules of ``d2lsent`` and is re-exported here, so one import line serves a
notebook, as with ``from d2l import torch as d2l``.
"""
import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from . import checkpoint, imdb
from .batching import Minibatches
from .glove import TokenEmbedding, coverage
from .imdb import read_imdb
from .text import Vocab, tokenize, truncate_pad
from .training import Accumulator, Config, History, Timer, make_splits

__all__ = ['BiRNN', 'Config', 'Minibatches', 'TokenEmbedding', 'Vocab', 'build_model',
           'coverage', 'evaluate_accuracy', 'fit', 'load_array', 'load_data_imdb',
           'load_model', 'predict_sentiment', 'read_imdb', 'save_model', 'to_tensor',
           'tokenize', 'train', 'truncate_pad', 'try_all_gpus']


def to_tensor(array):
    """A numpy array as a torch tensor (sharing memory, same dtype)."""
    return torch.from_numpy(array)


def load_array(data_arrays, batch_size, is_train=True, seed=0):
    """Minibatches of torch tensors over numpy arrays, reshuffled per epoch if training."""
    return Minibatches(data_arrays, batch_size, shuffle=is_train, seed=seed,
                       convert=to_tensor)


def load_data_imdb(batch_size, num_steps=500, seed=0):
    """``(train_iter, test_iter, vocab)``; batches are ``(X, y)``, X int32 ``(batch, num_steps)``."""
    return imdb.load_data_imdb(batch_size, num_steps, seed, convert=to_tensor)


def try_all_gpus():
    """All GPUs, or ``[cpu]`` when there are none (never an empty list)."""
    return ([torch.device(f'cuda:{i}') for i in range(torch.cuda.device_count())]
            or [torch.device('cpu')])


class BiRNN(nn.Module):
    """Embedding -> 2-layer bidirectional LSTM -> first and last outputs -> 2 classes."""

    def __init__(self, vocab_size, embed_size=100, num_hiddens=100, num_layers=2):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.encoder = nn.LSTM(embed_size, num_hiddens, num_layers=num_layers,
                               bidirectional=True)
        self.decoder = nn.Linear(4 * num_hiddens, 2)

    def forward(self, inputs):
        """``(batch, num_steps)`` token ids -> ``(batch, 2)`` logits."""
        # The LSTM reads time-major input: (num_steps, batch, embed_size).
        embeddings = self.embedding(inputs.T)
        outputs, _ = self.encoder(embeddings)  # (num_steps, batch, 2 * num_hiddens)
        # Both directions at the first and at the last step: (batch, 4 * num_hiddens).
        encoding = torch.cat((outputs[0], outputs[-1]), dim=1)
        return self.decoder(encoding)


def build_model(vocab, embedding, config):
    """A seeded ``BiRNN`` whose embedding is copied from ``embedding`` (GloVe).

    Xavier initialises the embedding and the decoder; the LSTM keeps PyTorch's
    own initialisation. The embedding is fine-tuned unless
    ``config.freeze_embedding``.
    """
    torch.manual_seed(config.seed)
    net = BiRNN(len(vocab), embedding.dim, config.num_hiddens, config.num_layers)
    nn.init.xavier_uniform_(net.embedding.weight)
    nn.init.xavier_uniform_(net.decoder.weight)
    with torch.no_grad():
        net.embedding.weight.copy_(torch.from_numpy(embedding[vocab.idx_to_token]))
    net.embedding.weight.requires_grad_(not config.freeze_embedding)
    return net


def evaluate_accuracy(net, data_iter, device=None):
    """Share of correctly classified examples (counted per example)."""
    device = device or next(net.parameters()).device
    net.eval()
    metric = Accumulator(2)  # correct, examples
    with torch.no_grad():
        for X, y in data_iter:
            y_hat = net(X.to(device))
            metric.add((y_hat.argmax(dim=1).cpu() == y).sum(), len(y))
    return metric[0] / metric[1]


def train(net, train_iter, valid_iter, test_iter, config, devices=None, animator=None):
    """Adam + cross-entropy for ``config.num_epochs``; returns a ``History``.

    Per epoch: training loss and accuracy, validation and test accuracy,
    examples per second; a progress bar per epoch, and live curves when given
    an ``animator`` (``plot.Animator``, for notebooks).
    """
    # Denormal floats in the backward pass through long sequences slow a CPU
    # several-fold; flush them to zero while training, and restore the mode after.
    # numpy computes its float limits once; do it before subnormals are flushed,
    # or it warns that the smallest subnormal is zero (matplotlib asks for them).
    np.finfo(np.float32), np.finfo(np.float64)
    flushing = torch.set_flush_denormal(True)
    try:
        return _train(net, train_iter, valid_iter, test_iter, config, devices, animator)
    finally:
        if flushing:
            torch.set_flush_denormal(False)


def _train(net, train_iter, valid_iter, test_iter, config, devices, animator):
    devices = devices or try_all_gpus()
    model = nn.DataParallel(net, devices) if len(devices) > 1 else net
    model.to(devices[0])
    loss = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam([p for p in net.parameters() if p.requires_grad],
                                 lr=config.lr)
    history = History()
    for epoch in range(config.num_epochs):
        model.train()
        metric, timer = Accumulator(3), Timer()  # loss sum, correct, examples
        bar = tqdm(train_iter, desc=f'epoch {epoch + 1}/{config.num_epochs}',
                   unit='batch', leave=False, mininterval=5)
        for X, y in bar:
            X, y = X.to(devices[0]), y.to(devices[0])
            y_hat = model(X)
            l = loss(y_hat, y)
            optimizer.zero_grad()
            l.backward()
            optimizer.step()
            metric.add(l.detach() * len(y), (y_hat.argmax(dim=1) == y).sum(), len(y))
            bar.set_postfix(loss=f'{metric[0] / metric[2]:.3f}')
        seconds = timer.stop()
        history.add(epoch=epoch + 1, train_loss=metric[0] / metric[2],
                    train_acc=metric[1] / metric[2],
                    valid_acc=evaluate_accuracy(model, valid_iter, devices[0]),
                    test_acc=evaluate_accuracy(model, test_iter, devices[0]),
                    examples_per_s=metric[2] / seconds, train_seconds=seconds)
        if animator is not None:
            animator.add(history)
    return history


def fit(config):
    """Data, GloVe, model and training for ``config``: ``(net, vocab, history)``."""
    train_iter, valid_iter, test_iter, vocab = make_splits(config, to_tensor)
    net = build_model(vocab, TokenEmbedding(config.embedding), config)
    history = train(net, train_iter, valid_iter, test_iter, config)
    return net, vocab, history


def predict_sentiment(net, vocab, text):
    """``('positive' | 'negative', probability of that label)`` for one review."""
    tokens = text.split()
    if not tokens:
        raise ValueError('The review is empty: give at least one word.')
    device = next(net.parameters()).device
    net.eval()
    with torch.no_grad():
        X = torch.tensor([vocab[tokens]], device=device)
        probs = torch.softmax(net(X), dim=1)[0]
    label = int(probs.argmax())
    return ('positive' if label == 1 else 'negative'), float(probs[label])


def save_model(net, vocab, config, path, **meta):
    """Save weights, vocabulary and configuration to ``path`` (a ``.npz``)."""
    params = {k: v.detach().cpu().numpy() for k, v in net.state_dict().items()}
    return checkpoint.save(path, params, vocab, config, backend='torch', **meta)


def load_model(path, vocab=None):
    """``(net, vocab, config)`` from ``path``; with ``vocab``, check it is the same."""
    params, saved_vocab, config = checkpoint.load(path)[:3]
    if vocab is not None:
        checkpoint.check_vocab(saved_vocab, vocab, path)
    embed_size = params['embedding.weight'].shape[1]
    net = BiRNN(len(saved_vocab), embed_size, config.num_hiddens, config.num_layers)
    checkpoint.check_shapes(params, {k: v.shape for k, v in net.state_dict().items()}, path)
    net.load_state_dict({k: torch.from_numpy(v) for k, v in params.items()})
    return net, saved_vocab, config
