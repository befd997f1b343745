import torch

from d2lsent import torch as d2l


def test_load_data_imdb_gives_torch_batches(imdb_data):
    train_iter, test_iter, vocab = d2l.load_data_imdb(64)
    assert len(vocab) == 49_346
    X, y = next(iter(train_iter))
    assert X.shape == (64, 500) and X.dtype == torch.int32
    assert y.shape == (64,) and y.dtype == torch.int64
    X, y = next(iter(test_iter))
    assert (X.numpy() == imdb_data.test_features[:64]).all()


def test_load_array_shuffles_with_seed():
    x = torch.arange(10).numpy()
    a = [b for b, in d2l.load_array((x,), 4, seed=7)]
    b = [b for b, in d2l.load_array((x,), 4, seed=7)]
    assert all(torch.equal(p, q) for p, q in zip(a, b))
    assert sorted(torch.cat(a).tolist()) == list(range(10))
    assert torch.cat([b for b, in d2l.load_array((x,), 4, is_train=False)]).tolist() == \
        list(range(10))


def test_same_public_names_as_mxnet_backend():
    from d2lsent import mxnet
    assert d2l.__all__ == mxnet.__all__
    assert all(hasattr(d2l, name) and hasattr(mxnet, name) for name in d2l.__all__)
