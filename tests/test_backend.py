"""The backend contract, and the behaviour written once for every backend (training,
prediction, checkpoints), tested on each backend that this environment has (both in
``.venv``; MXNet alone in ``.venv-mx2``)."""
import functools
import inspect
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT
from d2lsent import backend as backends
from d2lsent import prediction
from d2lsent.config import Config
from d2lsent.text import Vocab


@pytest.fixture(params=[pytest.param(name, marks=getattr(pytest.mark, name))
                        for name in backends.NAMES])
def backend(request):
    pytest.importorskip(request.param)  # .venv-mx2 has no PyTorch
    return backends.load(request.param)


def test_each_backend_provides_the_contract_and_the_same_names(backend):
    assert isinstance(backend, backends.Backend)
    assert backend.NAME in backends.NAMES and backend.__all__ == list(backends.PUBLIC_NAMES)
    missing = [name for name in backends.PUBLIC_NAMES if not hasattr(backend, name)]
    assert not missing
    # Each operation takes the arguments the contract names.
    for name, member in vars(backends.Backend).items():
        if callable(member) and not name.startswith('_'):
            expected = list(inspect.signature(member).parameters)[1:]  # less self
            assert list(inspect.signature(getattr(backend, name)).parameters)[:len(expected)] \
                == expected, name


IMPORT_SCRIPT = """
import importlib, os, sys
from d2lsent import fpu
def mode():  # flush-to-zero and denormals-are-zero (the rest of MXCSR: status flags)
    return fpu.get_mxcsr() & (fpu.FTZ | fpu.DAZ)
env, before = dict(os.environ), mode()
module = importlib.import_module('d2lsent.' + sys.argv[1])
print(dict(os.environ) == env, mode() == before)
module.setup()
print(sorted(k for k in os.environ if k not in env))
"""


@pytest.mark.parametrize('name', [pytest.param(name, marks=getattr(pytest.mark, name))
                                  for name in backends.NAMES])
def test_importing_a_backend_changes_nothing_until_its_setup(fresh_python, name):
    """No process-wide state (environment, threads' float mode) changes on import; the
    backend's setup caps oneDNN's cache (both names of its setting)."""
    pytest.importorskip(name)
    out = fresh_python(IMPORT_SCRIPT, name, ONEDNN_PRIMITIVE_CACHE_CAPACITY=None,
                       DNNL_PRIMITIVE_CACHE_CAPACITY=None)
    assert out == ['True', 'True',
                   "['DNNL_PRIMITIVE_CACHE_CAPACITY',", "'ONEDNN_PRIMITIVE_CACHE_CAPACITY']"]


def test_an_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="Unknown backend 'tensorflow': use one of torch"):
        backends.load('tensorflow')


def test_book_functions_read_as_in_the_book(backend):
    """``d2l.predict_sentiment(net, vocab, text)``: the backend argument is bound."""
    parameters = list(inspect.signature(backend.predict_sentiment).parameters)
    assert parameters == ['net', 'vocab', 'text']
    assert backend.predict_sentiment.__name__ == 'predict_sentiment'
    assert backend.predict_sentiment.__doc__ == prediction.predict_sentiment.__doc__


def test_same_seed_same_metrics(backend, imdb_data):
    config = Config(limit=256, num_epochs=1, num_steps=40, valid_size=64, batch_size=32)
    runs = [backend.fit(config)[2] for _ in range(2)]
    for key in ('train_loss', 'train_acc', 'valid_acc', 'test_acc'):
        assert runs[0][key] == runs[1][key]
    other = backend.fit(Config(**{**config.__dict__, 'seed': 1}))[2]
    assert other['train_loss'] != runs[0]['train_loss']  # the seed does change the run


def test_save_and_load(backend, tmp_path, imdb_data, embedding):
    vocab, config = imdb_data.vocab, Config(num_hiddens=8, num_layers=1, dropout=0.0)
    net = backend.build_model(vocab, embedding, config)
    path = backend.save_model(net, vocab, config, tmp_path / 'model.npz')
    loaded, vocab2, config2 = backend.load_model(path, vocab)
    X = backend.to_tensor(imdb_data.test_features[:4, :30].copy())
    assert (backend.predict_logits(net, X) == backend.predict_logits(loaded, X)).all()
    assert config2 == config and vocab2.idx_to_token == vocab.idx_to_token
    with pytest.raises(ValueError, match='another vocabulary'):
        backend.load_model(path, backend.Vocab([['a', 'b']]))
    # Saved with the wrong configuration: the LSTM weights do not fit 16 units.
    path = backend.save_model(net, vocab, Config(num_hiddens=16, num_layers=1, dropout=0.0),
                              tmp_path / 'wrong.npz')
    with pytest.raises(ValueError, match=r'encoder.weight_ih_l0 has shape \(32, 50\)'):
        backend.load_model(path)


def test_predict_sentiment_is_the_softmax_of_the_logits(backend, imdb_data, embedding):
    vocab = imdb_data.vocab
    net = backend.build_model(vocab, embedding, Config(num_hiddens=4, num_layers=1, dropout=0.0,
                                                         seed=2))
    with pytest.raises(ValueError, match='empty'):
        backend.predict_sentiment(net, vocab, '   ')
    review = 'a fine film'
    logits = backend.predict_logits(
        net, backend.to_tensor(np.array([vocab[review.split()]], dtype=np.int32)))[0]
    assert vocab.tokenizer == 'book'  # load_imdb's default: split on whitespace
    probs = np.exp(logits) / np.exp(logits).sum()
    label, prob = backend.predict_sentiment(net, vocab, review)
    assert label == ('positive' if probs[1] > probs[0] else 'negative')
    assert prob == pytest.approx(probs.max(), rel=1e-6)


@pytest.mark.slow
def test_the_neutral_modules_import_no_framework():
    pytest.importorskip('matplotlib')  # .venv-mx2 has only what the MXNet tests need
    backends_ = {'torch', 'mxnet'}
    neutral = sorted(p.stem for p in (ROOT / 'd2lsent').glob('*.py')
                     if p.stem not in backends_ | {'__init__'})
    assert {'backend', 'config', 'prediction', 'training', '__main__'} <= set(neutral)
    code = (''.join(f'import d2lsent.{m}\n' for m in neutral)
            + 'import sys\nprint(sorted({"torch", "mxnet"} & set(sys.modules)))')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == '[]'


def test_load_data_imdb_gives_the_books_batches_with_integer_ids(backend, imdb_data):
    train_iter, test_iter, vocab = backend.load_data_imdb(64)
    assert len(vocab) == 49_346 and (vocab.tokenizer, vocab.num_steps) == ('book', 500)
    X, y = map(backend.to_numpy, next(iter(train_iter)))
    assert X.shape == (64, 500) and X.dtype == np.int32  # not the book's MXNet float32
    assert y.shape == (64,) and y.dtype == np.int64
    X, y = map(backend.to_numpy, next(iter(test_iter)))
    assert (X == imdb_data.test_features[:64]).all()  # the test reviews in file order


def test_load_array_shuffles_with_its_seed(backend):
    x = np.arange(10)
    a, b = ([backend.to_numpy(b) for b, in backend.load_array((x,), 4, seed=7)]
            for _ in range(2))
    assert all((p == q).all() for p, q in zip(a, b))
    assert sorted(np.concatenate(a)) == list(range(10))
    assert np.concatenate(a).tolist() != list(range(10))
    assert np.concatenate([backend.to_numpy(b) for b, in backend.load_array(
        (x,), 4, is_train=False)]).tolist() == list(range(10))


def test_the_book_sizes_make_the_books_parameter_count(backend):
    net = backend.new_model(49_346, 100, Config(num_hiddens=100, num_layers=2))
    params = backend.get_params(net)
    # embedding 49,346 x 100; per LSTM layer and direction 4h x (input + h) + 2 x 4h
    # biases; decoder 4h x 2 + 2.
    expected = 49_346 * 100 + 2 * (400 * 200 + 800) + 2 * (400 * 300 + 800) + 802
    assert sum(v.size for v in params.values()) == expected == 5_338_602
    assert params['encoder.weight_ih_l1_reverse'].shape == (400, 200)
    X = backend.to_tensor(np.zeros((3, 7), dtype=np.int32))
    assert backend.predict_logits(net, X).shape == (3, 2)


def test_a_model_too_large_is_refused_before_it_is_built(backend):
    with pytest.raises(ValueError, match='more than the 50,000,000 this project builds'):
        backend.new_model(49_346, 50, Config(num_hiddens=4096, num_layers=16))


def test_build_model_copies_glove_and_freezes_on_request(backend, imdb_data, embedding):
    vocab = imdb_data.vocab
    net = backend.build_model(vocab, embedding, Config(dropout=0.0))
    rows = backend.get_params(net)['embedding.weight']
    assert rows.shape == (49_346, 50)
    assert (rows[vocab['movie']] == embedding[['movie']][0]).all()
    assert not rows[vocab['<unk>']].any()  # no vector: starts at zero
    frozen = backend.build_model(vocab, embedding, Config(freeze_embedding=True, dropout=0.0))
    same = backend.get_params(frozen)
    assert all((same[k] == v).all() for k, v in backend.get_params(net).items())  # one seed
    batch = [backend.to_tensor(a.copy()) for a in (imdb_data.train_features[:4, :20],
                                                   imdb_data.train_labels[:4])]
    for model, moves in ((net, True), (frozen, False)):  # one step: fine-tuned or fixed
        before = backend.get_params(model)['embedding.weight']
        backend.TrainStep(model, Config(), backend.try_all_gpus()[0])(*batch)
        after = backend.get_params(model)['embedding.weight']
        assert (after != before).any() == moves
    xavier = backend.get_params(backend.build_model(vocab, embedding,
                                                    Config(embedding_init='xavier')))
    rows = xavier['embedding.weight']  # Xavier: |w| <= sqrt(6 / (n + 50))
    assert rows.shape == (49_346, 50) and 0 < abs(rows).max() <= (6 / 49_396) ** 0.5


def test_reverse_padded_reverses_only_the_tokens(backend):
    x = np.tile(np.arange(4).reshape(4, 1), (1, 3))  # (steps, batch)
    lengths = backend.to_tensor(np.array([4, 2, 1]))
    out = backend.reverse_padded(backend.to_tensor(x), lengths)
    assert backend.to_numpy(out).T.tolist() == [[3, 2, 1, 0], [1, 0, 2, 3], [0, 1, 2, 3]]
    assert (backend.to_numpy(backend.reverse_padded(out, lengths)) == x).all()


def test_the_fast_recipe_reads_each_review_as_if_alone(backend, imdb_data):
    """The masked LSTM's logits for a review inside a padded batch are those of the
    review run alone; with every length equal they are the book's path's."""
    backend.seed(0)
    net = backend.new_model(len(imdb_data.vocab), 50, Config(dropout=0.0))
    lengths = np.array([60, 1, 17, 59, 33, 2])
    X = imdb_data.test_features[:6, :60].copy()
    logits = backend.predict_logits(net, backend.to_tensor(X), backend.to_tensor(lengths))
    for b, n in enumerate(lengths):
        alone = backend.predict_logits(net, backend.to_tensor(X[b:b + 1, :n].copy()))
        assert np.allclose(logits[b], alone[0], atol=1e-5), (b, n)
    book = backend.predict_logits(net, backend.to_tensor(X))
    full = backend.to_tensor(np.full(6, 60))
    assert np.allclose(backend.predict_logits(net, backend.to_tensor(X), full), book,
                       atol=1e-5)
    assert not np.allclose(logits, book, rtol=1e-2, atol=1e-6)  # the padding counts there


def test_every_lstm_weight_learns_through_the_masked_path(backend, imdb_data):
    config = Config(num_hiddens=6, num_layers=2, dropout=0.0)
    backend.seed(0)
    net = backend.new_model(len(imdb_data.vocab), 8, config)
    before = backend.get_params(net)
    batch = [backend.to_tensor(a.copy()) for a in (imdb_data.test_features[:4, :20],
                                                   imdb_data.test_labels[:4], np.array([20, 5, 9, 1]))]
    backend.TrainStep(net, config, backend.try_all_gpus()[0])(*batch)
    after = backend.get_params(net)
    still = [k for k in before if k.startswith('encoder.') and (after[k] == before[k]).all()]
    assert not still


def _one_step_setup(backend, embedding, config):
    """A model over a three-word vocabulary, its training step and one minibatch."""
    net = backend.build_model(Vocab([['good', 'bad', 'film']]), embedding, config)
    step = backend.TrainStep(net, config, backend.try_all_gpus()[0])
    batch = [backend.to_tensor(a) for a in (
        np.array([[1, 2, 3], [3, 2, 0]], dtype=np.int32), np.array([1, 0]),
        np.array([3, 2]))]
    return net, step, batch


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
        assert np.allclose(moved[big], -config.lr * np.sign(w[big]), atol=1e-4), name
        checked += big.sum()
    assert checked > 100_000  # the LSTM's and the decoder's weights


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
    moved = np.abs(backend.get_params(net)['decoder.weight'] - before['decoder.weight'])
    assert moved.max() == pytest.approx(0.001, rel=0.05)  # Adam: about lr, not 0.01


def _in_mode(backend, net, training, fn, *arrays):
    """``fn(*arrays)`` as numpy, without gradients, with ``net`` in training or in
    prediction mode."""
    if backend.NAME == 'torch':
        import torch
        net.train(training)
        with torch.no_grad():
            return fn(*map(torch.tensor, arrays)).numpy()
    from mxnet import autograd
    with autograd.train_mode() if training else autograd.predict_mode():
        return fn(*map(backend.to_tensor, arrays)).asnumpy()


def _logits(backend, net, batch, training):
    """``net``'s logits on ``batch`` (numpy), in training or in prediction mode."""
    return _in_mode(backend, net, training, net, *batch)


@pytest.mark.parametrize('recipe', ['book', 'fast'])
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
    assert np.allclose(_logits(backend, dropped, batch, training=False), predicted,
                        atol=1e-6)
    assert np.allclose(_logits(backend, plain, batch, training=True), predicted, atol=1e-6)
    first, second = (_logits(backend, dropped, batch, training=True) for _ in range(2))
    assert abs(first - predicted).max() > 1e-3 and abs(first - second).max() > 1e-3


def test_masked_lstm_drops_out_between_layers_in_training(backend):
    """The fast path's own layer loop applies the LSTM's dropout as the fused one does."""
    net = backend.BiRNN(10, embed_size=4, num_hiddens=3, dropout=0.5)
    backend.initialize(net, backend.try_all_gpus()[0])
    x = np.random.default_rng(0).normal(size=(7, 2, 4)).astype(np.float32)
    lengths = np.array([7, 5])
    masked = functools.partial(backend.masked_lstm, net.encoder)

    def run(training):
        return _in_mode(backend, net, training, masked, x, lengths)
    assert np.array_equal(run(False), run(False))
    assert not np.allclose(run(True), run(False), atol=1e-4)


def test_a_training_steps_state_resumes_the_same_updates(backend):
    """``TrainStep.state`` is plain arrays (no pickles) that, loaded into a new step of
    the same parameters, continue Adam as if nothing had stopped."""
    config = Config(num_hiddens=4, num_layers=1, dropout=0.0)
    backend.seed(0)
    net = backend.new_model(30, 8, config)
    device = backend.try_all_gpus()[0]
    batch = [backend.to_tensor(a) for a in (np.array([[1, 2, 3], [4, 5, 0]], dtype=np.int32),
                                            np.array([1, 0]))]
    step = backend.TrainStep(net, config, device)
    step(*batch)
    state, params = step.state(), backend.get_params(net)
    assert state and all(type(v) is np.ndarray and v.dtype != object for v in state.values())
    step(*batch)
    unbroken = backend.get_params(net)
    for resume in (False, True):
        backend.set_params(net, params)
        again = backend.TrainStep(net, config, device)
        if resume:
            again.load_state(state)
        again(*batch)
        same = all(np.allclose(v, unbroken[k], atol=1e-6)
                   for k, v in backend.get_params(net).items())
        assert same == resume  # a fresh Adam takes another step
