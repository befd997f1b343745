"""d2lsent: IMDb sentiment classification with GloVe and a BiLSTM, in the style of
Dive into Deep Learning, for PyTorch and MXNet.

Framework-neutral modules: ``config`` (the settings), ``download`` (verified cache and
offline mirror), ``text`` (tokenize, Vocab, truncate_pad), ``imdb`` (the dataset),
``batching`` and ``splits`` (seeded minibatches), ``glove`` (word vectors),
``training``, ``prediction``, ``checkpoint``, ``evaluation`` and ``pretrained`` (the
trained model that ships with the package). ``backend`` defines
what a framework provides; the backends: ``from d2lsent import torch as d2l`` or
``from d2lsent import mxnet as d2l``.
"""
__version__ = '0.1.0'
