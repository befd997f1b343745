"""The backend contract, and the behaviour written once for every backend (training,
prediction, checkpoints), tested on each backend that this environment has (both in
``.venv``; MXNet alone in ``.venv-mx2``)."""
import inspect
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT
from d2lsent import backend as backends
from d2lsent import prediction
from d2lsent.config import Config


@pytest.fixture(params=backends.NAMES)
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


def test_an_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="Unknown backend 'tensorflow': use one of torch"):
        backends.load('tensorflow')


def test_book_functions_read_as_in_the_book(backend):
    """``d2l.predict_sentiment(net, vocab, text)``: the backend argument is bound."""
    parameters = list(inspect.signature(backend.predict_sentiment).parameters)
    assert parameters == ['net', 'vocab', 'text', 'tokenizer', 'num_steps']
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
    vocab, config = imdb_data.vocab, Config(num_hiddens=8, num_layers=1)
    net = backend.build_model(vocab, embedding, config)
    path = backend.save_model(net, vocab, config, tmp_path / 'model.npz')
    loaded, vocab2, config2 = backend.load_model(path, vocab)
    X = backend.to_tensor(imdb_data.test_features[:4, :30].copy())
    assert (backend.predict_logits(net, X) == backend.predict_logits(loaded, X)).all()
    assert config2 == config and vocab2.idx_to_token == vocab.idx_to_token
    with pytest.raises(ValueError, match='another vocabulary'):
        backend.load_model(path, backend.Vocab([['a', 'b']]))
    # Saved with the wrong configuration: the LSTM weights do not fit 16 units.
    path = backend.save_model(net, vocab, Config(num_hiddens=16, num_layers=1),
                              tmp_path / 'wrong.npz')
    with pytest.raises(ValueError, match=r'encoder.weight_ih_l0 has shape \(32, 50\)'):
        backend.load_model(path)


def test_predict_sentiment_is_the_softmax_of_the_logits(backend, imdb_data, embedding):
    vocab = imdb_data.vocab
    net = backend.build_model(vocab, embedding, Config(num_hiddens=4, num_layers=1, seed=2))
    with pytest.raises(ValueError, match='empty'):
        backend.predict_sentiment(net, vocab, '   ')
    review = 'a fine film'
    logits = backend.predict_logits(
        net, backend.to_tensor(np.array([vocab[review.split()]], dtype=np.int32)))[0]
    probs = np.exp(logits) / np.exp(logits).sum()
    label, prob = backend.predict_sentiment(net, vocab, review)
    assert label == ('positive' if probs[1] > probs[0] else 'negative')
    assert prob == pytest.approx(probs.max(), rel=1e-6)


@pytest.mark.slow
def test_the_neutral_modules_import_no_framework():
    pytest.importorskip('matplotlib')  # .venv-mx2 has only what the MXNet tests need
    backends_ = {'torch', 'mxnet', 'mxnet_layout', 'mxlaunch'}
    neutral = sorted(p.stem for p in (ROOT / 'd2lsent').glob('*.py')
                     if p.stem not in backends_ | {'__init__'})
    assert {'backend', 'config', 'prediction', 'training', '__main__'} <= set(neutral)
    code = (''.join(f'import d2lsent.{m}\n' for m in neutral)
            + 'import sys\nprint(sorted({"torch", "mxnet"} & set(sys.modules)))')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == '[]'
