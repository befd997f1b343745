"""One model contract: the PyTorch and the Gluon BiRNN are the same function."""
import functools
import json

import numpy as onp
import pytest
import torch

from conftest import needs

pytestmark = needs('mxnet')

from d2lsent import backend  # noqa: E402
from d2lsent.text import Vocab  # noqa: E402
from d2lsent.config import Config  # noqa: E402
from d2lsent.imdb import load_imdb  # noqa: E402
from d2lsent.splits import make_splits  # noqa: E402

d2l_mx, d2l_pt = backend.load('mxnet'), backend.load('torch')

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
