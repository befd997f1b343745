"""One model contract: the PyTorch and the Gluon BiRNN are the same function."""
import functools
import json

import numpy as onp
import pytest
import torch

from d2lsent import mxnet as d2l_mx  # before mxnet: it sets MXNet's threads up
from d2lsent import torch as d2l_pt
from d2lsent.text import Vocab
from d2lsent.config import Config
from d2lsent.imdb import load_imdb
from d2lsent.splits import make_splits

from mxnet import autograd, gluon, np  # noqa: E402


def test_both_backends_see_identical_minibatches(imdb_data):
    """Same token ids, same order, every epoch, from the shared data layer."""
    for recipe in ('book', 'fast'):
        config = Config(recipe=recipe, limit=2000, seed=3)
        mx_iters = make_splits(config, d2l_mx.to_tensor)[:3]
        pt_iters = make_splits(config, d2l_pt.to_tensor)[:3]
        for mx_iter, pt_iter in zip(mx_iters, pt_iters):
            for _ in range(2):  # two epochs: reshuffled alike
                for mx_batch, pt_batch in zip(mx_iter, pt_iter):
                    assert len(mx_batch) == len(pt_batch) == (2 if recipe == 'book' else 3)
                    assert all((m.asnumpy() == p.numpy()).all()
                               for m, p in zip(mx_batch, pt_batch))


@pytest.fixture(scope='module')
def pair(tmp_path_factory, imdb_data):
    """A GloVe-initialised PyTorch BiRNN, and its weights loaded into Gluon."""
    config = Config(seed=5, dropout=0.0)  # training passes compare: no random masks
    net = d2l_pt.build_model(imdb_data.vocab, d2l_pt.TokenEmbedding(), config)
    path = d2l_pt.save_model(net, imdb_data.vocab, config,
                             tmp_path_factory.mktemp('pair') / 'model.npz')
    return net, d2l_mx.load_model(path, imdb_data.vocab)[0]


@pytest.mark.parametrize('recipe', ['book', 'fast'])
def test_logits_and_gradients_agree_on_a_real_minibatch(pair, imdb_data, recipe):
    net, mx_net = pair
    X, y = imdb_data.test_features[12_400:12_464], imdb_data.test_labels[12_400:12_464]
    lengths = imdb_data.test_lengths[12_400:12_464]  # 32 positive, 32 negative reviews
    args = () if recipe == 'book' else (lengths,)
    if recipe == 'fast':
        X = X[:, :lengths.max()]
    # PyTorch: the mean cross-entropy.
    net.zero_grad()
    logits = net(torch.tensor(X), *map(torch.tensor, args))
    torch.nn.functional.cross_entropy(logits, torch.tensor(y)).backward()
    # Gluon: the summed loss, whose gradient divided by the batch size is PyTorch's.
    with autograd.record():
        mx_logits = mx_net(np.array(X), *map(np.array, args))
        l = gluon.loss.SoftmaxCrossEntropyLoss()(mx_logits, np.array(y))
    l.backward()
    diff = abs(logits.detach().numpy() - mx_logits.asnumpy()).max()
    print(f'{recipe}: largest logit difference {diff:.2e}')
    assert diff < 1e-5
    for name in ('weight', 'bias'):
        pt_grad = getattr(net.decoder, name).grad.numpy()
        mx_grad = getattr(mx_net.decoder, name).grad().asnumpy() / len(y)
        assert onp.allclose(pt_grad, mx_grad, atol=1e-6), name


def test_a_trained_model_scores_the_same_in_both_backends(tmp_path, imdb_data, smoke_run):
    """The command line's small PyTorch model (see conftest), evaluated by Gluon."""
    net, vocab, config = d2l_pt.load_model(smoke_run / 'model.npz')
    mx_net = d2l_mx.load_model(smoke_run / 'model.npz', vocab)[0]
    test_iter = make_splits(config, d2l_mx.to_tensor)[2]
    kept = max(json.loads((smoke_run / 'metrics.json').read_text()),
               key=lambda m: m['valid_acc'])  # the run keeps its best epoch on validation
    test_acc = kept['test_acc']
    assert test_acc > 0.55  # it learned something
    assert abs(d2l_mx.evaluate_accuracy(mx_net, test_iter) - test_acc) \
        <= 1 / test_iter.num_examples  # at most one review on a near-tie
    # And back: Gluon's checkpoint loads into PyTorch with the same predictions.
    back = d2l_pt.load_model(d2l_mx.save_model(mx_net, vocab, config, tmp_path / 'mx.npz'))[0]
    X = torch.tensor(load_imdb(100, tokenizer=config.tokenizer).test_features[:8])
    back.eval(), net.eval()  # no dropout
    assert torch.allclose(back(X), net(X), atol=1e-6)


def _one_step_setup(backend, embedding, config):
    """A model over a three-word vocabulary, its training step and one minibatch."""
    net = backend.build_model(Vocab([['good', 'bad', 'film']]), embedding, config)
    step = backend.make_train_step(net, config, backend.try_all_gpus()[0])
    batch = [backend.to_tensor(a) for a in (
        onp.array([[1, 2, 3], [3, 2, 0]], dtype=onp.int32), onp.array([1, 0]),
        onp.array([3, 2]))]
    return net, step, batch


@pytest.mark.parametrize('backend', [d2l_pt, d2l_mx], ids=['torch', 'mxnet'])
def test_weight_decay_is_l2_inside_adam(backend, embedding):
    """With a large weight decay the gradient is about ``weight_decay * w``, so Adam's
    first step moves every weight by ``lr`` towards zero; a frozen embedding stays."""
    config = Config(lr=0.01, weight_decay=1e4, freeze_embedding=True)
    net, step, batch = _one_step_setup(backend, embedding, config)
    before = backend.get_params(net)
    step(*batch)
    after = backend.get_params(net)
    assert (after['embedding.weight'] == before['embedding.weight']).all()
    checked = 0
    for name in set(before) - {'embedding.weight'}:
        w, moved = before[name], after[name] - before[name]
        big = abs(w) > 1e-3  # Gluon's LSTM biases start at zero: nothing to decay
        assert onp.allclose(moved[big], -config.lr * onp.sign(w[big]), atol=1e-4), name
        checked += big.sum()
    assert checked > 100_000  # the LSTM's and the decoder's weights


@pytest.mark.parametrize('backend', [d2l_pt, d2l_mx], ids=['torch', 'mxnet'])
def test_the_training_step_takes_the_learning_rate_it_is_set(backend, embedding):
    """At rate 0 an update leaves every weight as it was; set back, Adam's first step
    moves each weight by about the rate."""
    net, step, batch = _one_step_setup(backend, embedding, Config(lr=0.01, dropout=0.0))
    before = backend.get_params(net)
    step.set_learning_rate(0.0)
    step(*batch)
    after = backend.get_params(net)
    assert all((after[k] == before[k]).all() for k in before)
    step.set_learning_rate(0.001)
    step(*batch)
    moved = onp.abs(backend.get_params(net)['decoder.weight'] - before['decoder.weight'])
    assert moved.max() == pytest.approx(0.001, rel=0.05)  # Adam: about lr, not 0.01


def test_predict_proba_returns_each_reviews_probability_in_order(pair, imdb_data):
    """Buckets sort reviews by length; predict_proba puts them back in order, and
    each probability is the one of the review classified alone (predict_sentiment)."""
    idx = onp.flatnonzero(imdb_data.test_lengths < 200)[::997][:12]
    arrays = (imdb_data.test_features[idx, :200], imdb_data.test_labels[idx])
    for backend, net in zip((d2l_pt, d2l_mx), pair):
        probs = backend.predict_proba(
            net, backend.Buckets(arrays, imdb_data.test_lengths[idx], 5,
                                 convert=backend.to_tensor))
        alone = []
        for i in idx:
            label, p = backend.predict_sentiment(net, imdb_data.vocab,
                                                 imdb_data.test_reviews[i])
            alone.append(p if label == 'positive' else 1 - p)
        assert onp.allclose(probs, alone, atol=1e-5), backend.__name__


def _in_mode(backend, net, training, fn, *arrays):
    """``fn(*arrays)`` as numpy, without gradients, with ``net`` in training or in
    prediction mode."""
    if backend is d2l_pt:
        net.train(training)
        with torch.no_grad():
            return fn(*map(torch.tensor, arrays)).numpy()
    with autograd.train_mode() if training else autograd.predict_mode():
        return fn(*map(np.array, arrays)).asnumpy()


def _logits(backend, net, batch, training):
    """``net``'s logits on ``batch`` (numpy), in training or in prediction mode."""
    return _in_mode(backend, net, training, net, *batch)


@pytest.mark.parametrize('recipe', ['book', 'fast'])
@pytest.mark.parametrize('backend', [d2l_pt, d2l_mx], ids=['torch', 'mxnet'])
def test_dropout_acts_in_training_only_and_keeps_the_parameters(backend, embedding,
                                                                imdb_data, recipe):
    """Dropout adds no parameter; it changes training passes, never predictions."""
    plain = backend.build_model(imdb_data.vocab, embedding, Config(seed=2, dropout=0.0))
    dropped = backend.build_model(imdb_data.vocab, embedding, Config(seed=2, dropout=0.5))
    params = backend.get_params(plain)
    assert params.keys() == backend.get_params(dropped).keys()
    backend.set_params(dropped, params)
    lengths = imdb_data.test_lengths[:8].clip(max=60)
    batch = (imdb_data.test_features[:8, :60],) + (() if recipe == 'book' else (lengths,))
    predicted = _logits(backend, plain, batch, training=False)
    assert onp.allclose(_logits(backend, dropped, batch, training=False), predicted,
                        atol=1e-6)
    assert onp.allclose(_logits(backend, plain, batch, training=True), predicted, atol=1e-6)
    first, second = (_logits(backend, dropped, batch, training=True) for _ in range(2))
    assert abs(first - predicted).max() > 1e-3 and abs(first - second).max() > 1e-3


@pytest.mark.parametrize('backend', [d2l_pt, d2l_mx], ids=['torch', 'mxnet'])
def test_masked_lstm_drops_out_between_layers_in_training(backend):
    """The fast path's own layer loop applies the LSTM's dropout as the fused one does."""
    net = backend.BiRNN(10, embed_size=4, num_hiddens=3, dropout=0.5)
    backend.initialize(net, backend.try_all_gpus()[0])
    x = onp.random.default_rng(0).normal(size=(7, 2, 4)).astype(onp.float32)
    lengths = onp.array([7, 5])
    masked = functools.partial(backend.masked_lstm, net.encoder)

    def run(training):
        return _in_mode(backend, net, training, masked, x, lengths)
    assert onp.array_equal(run(False), run(False))
    assert not onp.allclose(run(True), run(False), atol=1e-4)
