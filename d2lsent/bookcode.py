"""The book's own code (d2l 1.0.3), the reference that ``bench`` compares with.

The section "Sentiment Analysis: Using Recurrent Neural Networks" trains its
``BiRNN`` with the d2l package's functions: ``read_imdb``, ``tokenize``,
``Vocab``, ``truncate_pad``, ``load_array`` and ``train_batch_ch13``. The model
and its initialisation are printed in the section, not in the package, so they
are copied here word for word. Two things differ from the book, because the
book downloads: the reviews come from this project's cache, and the word vectors
are the packaged GloVe 50-d (the book uses 100-d, so its model is larger).

``d2l.mxnet`` imports here; ``d2l.torch`` imports torchvision, which does not load
beside this CPU build of PyTorch (and nothing used here needs it), so
``d2l_module('torch')`` loads it with an empty stand-in for torchvision.
"""
import importlib
import sys
import types

import numpy as np

BATCH_SIZE, NUM_STEPS, LR = 64, 500, 0.01  # the section's values
EMBED_SIZE, NUM_HIDDENS, NUM_LAYERS = 50, 100, 2  # 50: the packaged GloVe (book: 100)


def d2l_module(backend_name):
    """The d2l package's module for ``backend_name`` ('torch' or 'mxnet')."""
    if backend_name == 'mxnet':
        from . import backend
        backend.load('mxnet')  # its setup, before d2l's first MXNet operation
    try:
        return importlib.import_module(f'd2l.{backend_name}')
    except ImportError as error:
        if backend_name != 'torch' or 'torchvision' not in str(error):
            raise
    stand_ins = {name: types.ModuleType(name)
                 for name in ('torchvision', 'torchvision.transforms')}
    stand_ins['torchvision'].transforms = stand_ins['torchvision.transforms']
    sys.modules.update(stand_ins)
    try:
        return importlib.import_module('d2l.torch')
    finally:  # only d2l.torch keeps them, for functions that are never called here
        for name in stand_ins:
            del sys.modules[name]


def missing(backend_name):
    """Why the book's code cannot run with ``backend_name`` here, or None if it can:
    d2l 1.0.3 (the ``[d2l]`` extra, Python 3.11) and its framework must import."""
    try:
        d2l_module(backend_name)
    except Exception as e:  # d2l missing, or its framework (MXNet 1.9.1 under numpy 2)
        return (f"the book's d2l 1.0.3 does not load here ({type(e).__name__}: {e}); on "
                f"Python 3.11: pip install 'd2lsent[d2l,mxnet]'")
    return None


def torch_model(vocab_size, devices):
    """The section's PyTorch ``BiRNN``, initialised with its ``init_weights`` (which the
    PyTorch backend's book recipe uses too: ``d2lsent.torch.init_weights``)."""
    import torch
    from torch import nn

    from .torch import init_weights

    class BiRNN(nn.Module):
        def __init__(self, vocab_size, embed_size, num_hiddens,
                     num_layers, **kwargs):
            super(BiRNN, self).__init__(**kwargs)
            self.embedding = nn.Embedding(vocab_size, embed_size)
            self.encoder = nn.LSTM(embed_size, num_hiddens, num_layers=num_layers,
                                   bidirectional=True)
            self.decoder = nn.Linear(4 * num_hiddens, 2)

        def forward(self, inputs):
            embeddings = self.embedding(inputs.T)
            self.encoder.flatten_parameters()
            outputs, _ = self.encoder(embeddings)
            encoding = torch.cat((outputs[0], outputs[-1]), dim=1)
            outs = self.decoder(encoding)
            return outs

    net = BiRNN(vocab_size, EMBED_SIZE, NUM_HIDDENS, NUM_LAYERS)
    net.apply(init_weights)
    return net.to(devices[0])  # train_ch13 moves it there


def mxnet_model(vocab_size, devices):
    """The section's Gluon ``BiRNN``, initialised as the section does (Gluon 1.x)."""
    from mxnet import init, np
    from mxnet.gluon import nn, rnn

    class BiRNN(nn.Block):
        def __init__(self, vocab_size, embed_size, num_hiddens,
                     num_layers, **kwargs):
            super(BiRNN, self).__init__(**kwargs)
            self.embedding = nn.Embedding(vocab_size, embed_size)
            self.encoder = rnn.LSTM(num_hiddens, num_layers=num_layers,
                                    bidirectional=True, input_size=embed_size)
            self.decoder = nn.Dense(2)

        def forward(self, inputs):
            embeddings = self.embedding(inputs.T)
            outputs = self.encoder(embeddings)
            encoding = np.concatenate((outputs[0], outputs[-1]), axis=1)
            outs = self.decoder(encoding)
            return outs

    net = BiRNN(vocab_size, EMBED_SIZE, NUM_HIDDENS, NUM_LAYERS)
    net.initialize(init.Xavier(), ctx=devices)
    return net


def load_data(d2l, data_dir, limit=None):
    """The section's ``load_data_imdb`` without its download: ``(train_iter, vocab)``
    from the reviews in ``data_dir`` (the first ``limit`` training reviews)."""
    train_data = d2l.read_imdb(data_dir, True)
    texts, labels = train_data[0][:limit], train_data[1][:limit]
    train_tokens = d2l.tokenize(texts, token='word')
    vocab = d2l.Vocab(train_tokens, min_freq=5)
    train_features = d2l.tensor([d2l.truncate_pad(
        vocab[line], NUM_STEPS, vocab['<pad>']) for line in train_tokens])
    train_iter = d2l.load_array((train_features, d2l.tensor(labels)), BATCH_SIZE)
    return train_iter, vocab


def trainer(backend_name, net, embeds):
    """GloVe copied in and frozen, then Adam and the loss, as the section sets them:
    ``(loss, trainer)``."""
    if backend_name == 'torch':
        import torch
        from torch import nn
        net.embedding.weight.data.copy_(torch.from_numpy(embeds))
        net.embedding.weight.requires_grad = False
        return nn.CrossEntropyLoss(reduction="none"), torch.optim.Adam(net.parameters(),
                                                                        lr=LR)
    from mxnet import gluon, np as mnp
    net.embedding.weight.set_data(mnp.array(embeds))
    net.embedding.collect_params().setattr('grad_req', 'null')
    return (gluon.loss.SoftmaxCrossEntropyLoss(),
            gluon.Trainer(net.collect_params(), 'adam', {'learning_rate': LR}))


def setup(backend_name, data_dir, embedding, limit=None):
    """Everything the section builds before training: ``(d2l, net, train_iter, loss,
    trainer, devices)``; ``embedding``: a ``TokenEmbedding``. The devices are the
    section's ``d2l.try_all_gpus()``, or ``[d2l.try_gpu()]`` where that is empty (in
    d2l 1.0.3's PyTorch module, without a GPU, and ``train_ch13`` then fails)."""
    d2l = d2l_module(backend_name)
    train_iter, vocab = load_data(d2l, data_dir, limit)
    model = torch_model if backend_name == 'torch' else mxnet_model
    devices = d2l.try_all_gpus() or [d2l.try_gpu()]
    net = model(len(vocab), devices)
    loss, optimizer = trainer(backend_name, net, np.asarray(embedding[vocab.idx_to_token]))
    return d2l, net, train_iter, loss, optimizer, devices
