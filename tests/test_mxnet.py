"""What only the MXNet backend does: Gluon's initialisation and parameter layout, several
devices in one process, its denormal floats (runs under MXNet 1.9.1 and 2.0.0b1; the
behaviour both backends share: tests/test_backend.py)."""
import json
import subprocess
import sys

import numpy as onp
import pytest

from conftest import assert_same_metrics, launch, needs, use_cache

pytestmark = needs('mxnet')

from d2lsent import backend  # noqa: E402

d2l = backend.load('mxnet')

import mxnet as mx  # noqa: E402
from mxnet import autograd, np  # noqa: E402

from d2lsent import fpu  # noqa: E402
from d2lsent.config import Config
from d2lsent.splits import make_splits


def gluon2():
    return mx.__version__.startswith('2.')


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
        '    json.dump(dict(rank=rank, workers=workers, records=history.records), f)\n'
        'd2l.leave_distributed()\n')  # done: else the worker exits at once, with status 1
    launched = launch([sys.executable, '-m', 'd2lsent.mxlaunch', '-n', '2', '-s', '1',
                       sys.executable, str(script)], small_cache)
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


DENORMAL_SCRIPT = """
import mxnet, sys
from mxnet import np
from d2lsent import fpu
import d2lsent.mxnet as d2l
before = fpu.get_mxcsr() & (fpu.FTZ | fpu.DAZ)
flushing = d2l.setup(flush=sys.argv[1] == 'flush')
x = np.full((1 << 16,), 1e-39, dtype='float32')  # denormals, in MXNet's first operation
print(before, flushing, int(((x * 1.0) != 0).sum()))
"""


@pytest.mark.parametrize('flush', [True, False])
def test_setup_flushes_denormals_in_mxnets_threads(fresh_python, flush):
    """In a fresh process, with MXNet imported first: importing the backend leaves the
    float mode alone; its setup, before MXNet's first operation, flushes the denormals
    of that operation (computed in MXNet's own threads), unless told not to."""
    before, flushing, denormals = fresh_python(DENORMAL_SCRIPT, 'flush' if flush else 'keep')
    assert (before, flushing) == ('0', str(flush))
    if flush or not gluon2():  # MXNet 2.0's operators flush denormals themselves
        assert denormals == ('0' if flush else str(1 << 16))
