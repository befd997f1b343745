"""The MXNet backend alone (runs under MXNet 1.9.1 and 2.0.0b1; no PyTorch needed)."""
import json
import subprocess
import sys

import numpy as onp
import pytest

from conftest import assert_same_metrics, launch, use_cache
from d2lsent import mxnet as d2l  # before mxnet: see test_importing_mxnet_first_warns

import mxnet as mx  # noqa: E402
from mxnet import autograd, np  # noqa: E402

from d2lsent import fpu  # noqa: E402
from d2lsent.config import Config
from d2lsent.splits import make_splits


def gluon2():
    return mx.__version__.startswith('2.')


def test_load_data_imdb_gives_integer_ndarrays(imdb_data):
    train_iter, _, vocab = d2l.load_data_imdb(64)
    X, y = next(iter(train_iter))
    assert isinstance(X, np.ndarray) and X.shape == (64, 500)
    assert X.dtype == onp.int32 and y.dtype == onp.int64  # not the book's float32


def test_parameter_count_and_output_shape():
    net = d2l.BiRNN(vocab_size=49_346, embed_size=100, num_hiddens=100, num_layers=2)
    d2l.initialize(net, mx.cpu())
    params = d2l.get_params(net)
    assert sum(v.size for v in params.values()) == 5_338_602  # as in PyTorch
    assert params['encoder.weight_ih_l1_reverse'].shape == (400, 200)
    assert net(np.zeros((3, 7), dtype='int32')).shape == (3, 2)


def test_build_model_initialises_per_block(imdb_data, embedding):
    vocab = imdb_data.vocab
    net = d2l.build_model(vocab, embedding, Config())
    rows = net.embedding.weight.data().asnumpy()
    assert rows.shape == (49_346, 50)
    assert (rows[vocab['movie']] == embedding[['movie']][0]).all()
    assert net.embedding.weight.grad_req == 'write'
    # Xavier (uniform, magnitude 3) on the decoder: |w| <= sqrt(3 / ((400 + 2) / 2)).
    w = net.decoder.weight.data().asnumpy()
    assert 0 < abs(w).max() <= (3 / 201) ** 0.5 and w.std() > 0.02
    frozen = d2l.build_model(vocab, embedding, Config(freeze_embedding=True))
    assert frozen.embedding.weight.grad_req == 'null'
    again = d2l.get_params(frozen)
    assert all((again[k] == v).all() for k, v in d2l.get_params(net).items())
    xavier = d2l.build_model(vocab, embedding, Config(embedding_init='xavier'))
    rows = xavier.embedding.weight.data().asnumpy()  # Xavier: |w| <= sqrt(3 / ((n + 50) / 2))
    assert rows.shape == (49_346, 50) and 0 < abs(rows).max() <= (6 / 49_396) ** 0.5


def test_the_book_recipe_puts_xavier_on_the_lstm_weights():
    """As the book's net.initialize(init.Xavier()); in Gluon 2.0, whose Xavier rejects the
    fused vector, drawn matrix by matrix into it. The fast recipe keeps Gluon's default,
    Uniform(0.07)."""
    book = d2l.get_params(d2l.new_model(300, 50, Config(recipe='book')))
    fast = d2l.get_params(d2l.new_model(300, 50, Config(recipe='fast')))
    for name in ('encoder.weight_ih_l0', 'encoder.weight_hh_l1_reverse'):
        bound = (3 / (sum(book[name].shape) / 2)) ** 0.5  # Xavier: uniform, magnitude 3
        assert 0.95 * bound < abs(book[name]).max() <= bound + 1e-7, name
        assert 0.95 * 0.07 < abs(fast[name]).max() <= 0.07 + 1e-7, name
    assert not book['encoder.bias_ih_l0'].any()  # as Gluon 1.x's LSTM starts its biases


def test_masked_outputs_equal_each_review_alone(imdb_data):
    mx.random.seed(0)
    net = d2l.BiRNN(len(imdb_data.vocab), 50, 100, 2)
    d2l.initialize(net, mx.cpu())
    lengths = np.array([60, 1, 17, 59, 33, 2], dtype="int64")
    X = np.array(imdb_data.test_features[:6, :60])
    outputs = d2l.masked_lstm(net.encoder, net.embedding(X.T), lengths).asnumpy()
    logits = net(X, lengths).asnumpy()
    for b, n in enumerate(lengths.asnumpy().tolist()):
        alone = net.encoder(net.embedding(X[b:b + 1, :n].T)).asnumpy()
        assert onp.allclose(outputs[:n, b], alone[:, 0], atol=1e-5)
        assert onp.allclose(logits[b], net(X[b:b + 1, :n]).asnumpy()[0], atol=1e-5)
    # All lengths equal: the fast and the book path agree.
    same = onp.full(6, 60, dtype="int64")
    assert onp.allclose(net(X, np.array(same)).asnumpy(), net(X).asnumpy(), atol=1e-6)


def test_masked_path_trains(imdb_data):
    """Gradients flow into every LSTM weight through the per-direction kernels."""
    mx.random.seed(0)
    net = d2l.BiRNN(len(imdb_data.vocab), 8, 6, 2)
    d2l.initialize(net, mx.cpu())
    X = np.array(imdb_data.test_features[:4, :20])
    with autograd.record():
        l = net(X, np.array([20, 5, 9, 1], dtype="int64")).sum()
    l.backward()
    grads = [p.grad().asnumpy() for p in net.encoder.collect_params().values()]
    assert all(abs(g).sum() > 0 for g in grads)


@pytest.mark.parametrize('recipe', ['fast', 'book'])
def test_two_devices_train_as_one(imdb_data, recipe):
    """The book's multi-GPU training (each minibatch split between the devices, the
    gradients summed), on two CPU devices: the same parameters and metrics as on one."""
    config = Config(limit=200, num_epochs=2, num_steps=40, valid_size=40, batch_size=25,
                    recipe=recipe)
    runs = []
    for devices in ([mx.cpu(0)], [mx.cpu(0), mx.cpu(1)]):
        train_iter, valid_iter, test_iter, vocab = make_splits(config, d2l.to_tensor)
        mx.random.seed(0)
        net = d2l.BiRNN(len(vocab), 8, 6, 2)
        d2l.initialize(net, mx.cpu())
        runs.append((d2l.train(net, train_iter, valid_iter, test_iter, config, devices),
                     d2l.get_params(net)))
    (one, one_params), (two, two_params) = runs
    assert one['train_loss'] == pytest.approx(two['train_loss'], rel=1e-4)
    assert one['test_acc'] == two['test_acc'] and one['valid_acc'] == two['valid_acc']
    for name, value in one_params.items():
        assert onp.allclose(value, two_params[name], atol=1e-4), name


def test_two_kvstore_workers_train_as_one(small_cache, tmp_path, monkeypatch):
    """MXNet's launcher (d2lsent.mxlaunch): a scheduler, a server and two workers, each
    training on its half of every minibatch, the dist_sync kvstore summing gradients and
    metrics: the same training as one process."""
    config = dict(limit=600, num_steps=60, num_epochs=2, valid_size=60, batch_size=50,
                  dropout=0.0)  # each worker would draw its own dropout masks
    script = tmp_path / 'fit.py'
    script.write_text(
        'import json\n'
        'from d2lsent import mxnet as d2l\n'
        'from d2lsent.config import Config\n'
        'rank, workers = d2l.init_distributed()\n'
        f'history = d2l.fit(Config(**{config!r}))[2]\n'
        f"with open(r'{tmp_path}/worker-%d.json' % rank, 'w') as f:\n"
        '    json.dump(dict(rank=rank, workers=workers, records=history.records), f)\n')
    launched = launch([sys.executable, '-m', 'd2lsent.mxlaunch', '-n', '2', '-s', '1',
                       '--launcher', 'local', sys.executable, str(script)], small_cache)
    assert launched.returncode == 0, launched.stderr[-3000:]
    workers = [json.loads(p.read_text()) for p in sorted(tmp_path.glob('worker-*.json'))]
    assert [(w['rank'], w['workers']) for w in workers] == [(0, 2), (1, 2)]
    use_cache(monkeypatch, small_cache)
    alone = d2l.fit(Config(**config))[2].records
    for worker in workers:  # the same metrics in both workers
        assert_same_metrics(alone, worker['records'])


def test_lstm_params_name_the_layout_of_this_gluon_version():
    net = d2l.BiRNN(10, 3, 2, 2)
    d2l.initialize(net)
    lstm = net.encoder
    params = d2l.lstm_params(lstm)
    assert list(params) == [n.split('.', 1)[1] for n in d2l.layout.lstm_names(2)]
    assert hasattr(lstm, 'rnn_param') == gluon2()
    assert params['weight_ih_l1_reverse'].shape == (8, 4)
    # The LSTM's default initialisation starts the biases at zero (Gluon 1.x and 2.0).
    assert (params['bias_ih_l0'].asnumpy() == 0).all()


@pytest.mark.parametrize('setting, flushed', [(None, True), ('keep', False)])
def test_denormals_are_flushed_before_mxnet_starts(fresh_python, setting, flushed):
    """In a fresh process: importing the backend sets FTZ and DAZ, unless told not to."""
    code = ('import d2lsent.mxnet as d2l, d2lsent.fpu as fpu; '
            'print(d2l.FLUSHING, fpu.get_mxcsr() & (fpu.FTZ | fpu.DAZ))')
    out = fresh_python(code, D2LSENT_MXNET_DENORMALS=setting)
    assert out == [str(flushed), str(fpu.FTZ | fpu.DAZ if flushed else 0)]


@pytest.mark.slow
def test_importing_mxnet_first_warns():
    """Too late to set MXNet's threads up: say so, and do not claim to flush."""
    code = ('import warnings, mxnet\n'
            'with warnings.catch_warnings(record=True) as caught:\n'
            '    warnings.simplefilter("always", UserWarning)\n'
            '    import d2lsent.mxnet as d2l\n'
            'print(d2l.FLUSHING, [str(w.message) for w in caught if w.category is UserWarning])')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         check=True).stdout
    assert out.startswith('False [') and 'Import d2lsent.mxnet before mxnet' in out


def test_onednn_cache_is_capped_before_mxnet_starts(fresh_python):
    """MXNet's oneDNN keeps a compiled primitive per input shape; the backend caps
    the cache (``d2lsent.onednn``) before MXNet reads its environment."""
    code = 'import os, d2lsent.mxnet; print(os.environ["DNNL_PRIMITIVE_CACHE_CAPACITY"])'
    assert fresh_python(code, ONEDNN_PRIMITIVE_CACHE_CAPACITY=None,
                        DNNL_PRIMITIVE_CACHE_CAPACITY=None) == ['16']
