"""d2lsent: IMDb sentiment classification with GloVe and a BiLSTM, in the style of
Dive into Deep Learning, for PyTorch and MXNet.

Framework-neutral modules: ``config`` (the settings), ``download`` and ``files``
(verified cache, offline mirror, bounded reading), ``text`` (tokenize, Vocab,
truncate_pad), ``imdb`` (the dataset), ``batching`` and ``splits`` (seeded minibatches),
``glove`` (word vectors), ``training``, ``prediction``, ``checkpoint``, ``evaluation``,
``results`` and ``runs`` (run folders), ``baseline`` (a linear model to compare with),
``attribution`` (which words make an answer), ``pretrained`` (the trained model that
ships with the package). ``backend`` defines what a framework provides; the backends:
``from d2lsent import torch as d2l`` or ``from d2lsent import mxnet as d2l``. The
command line: ``python -m d2lsent`` (``cli``).
"""
__version__ = '0.1.0'
