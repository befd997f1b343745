import numpy as onp
from mxnet import np

from d2lsent import mxnet as d2l
from d2lsent import torch as d2l_torch


def test_load_data_imdb_gives_integer_ndarrays(imdb_data):
    train_iter, _, vocab = d2l.load_data_imdb(64)
    X, y = next(iter(train_iter))
    assert isinstance(X, np.ndarray) and X.shape == (64, 500)
    assert X.dtype == onp.int32 and y.dtype == onp.int64  # not the book's float32


def test_both_backends_see_identical_minibatches(imdb_data):
    """Same token ids, same order, every epoch, from the shared data layer."""
    mx_train, mx_test, _ = d2l.load_data_imdb(64, seed=3)
    pt_train, pt_test, _ = d2l_torch.load_data_imdb(64, seed=3)
    for _ in range(2):  # two epochs: reshuffled alike
        for (Xm, ym), (Xt, yt) in zip(mx_train, pt_train):
            assert (Xm.asnumpy() == Xt.numpy()).all() and (ym.asnumpy() == yt.numpy()).all()
    for (Xm, _), (Xt, _) in zip(mx_test, pt_test):
        assert (Xm.asnumpy() == Xt.numpy()).all()
