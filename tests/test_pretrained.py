"""The model that ships with d2lsent: it loads in both backends, predicts alike in both,
classifies the example reviews, and still has the accuracy its file records."""
import dataclasses

import numpy as np
import pytest

from conftest import HAVE
from d2lsent import backend as backends
from d2lsent import attribution, checkpoint, pretrained, splits, widgets
from d2lsent.prediction import EXAMPLE_REVIEWS, describe_reading

# Reviews the README and the notebooks give the shipped model.
REVIEWS = ['A WONDERFUL film!', 'A quiet, moving film.', 'a wonderful film !',
           'Not bad at all.', 'An increddible film, a real masterpeice from Kurosawa.',
           'I wanted to love it. I did not.',
           'A clumsy script, but the actors make it worth watching.']


@pytest.fixture(scope='module')
def models():
    """``{backend name: (backend, net)}`` of the backends this environment has, and the
    vocabulary and settings they share."""
    nets = {}
    for name in [n for n in backends.NAMES if HAVE.get(n, True)]:
        b = backends.load(name)
        net, vocab, config = b.load_pretrained()
        nets[name] = b, net
    return nets, vocab, config


def test_the_shipped_file_is_small_and_float16():
    assert pretrained.PATH.stat().st_size <= 8 * 2**20
    params, _, config, header = checkpoint.load(pretrained.PATH)
    with np.load(pretrained.PATH) as f:
        assert {f[k].dtype.name for k in f.files if k.startswith('param:')} == {'float16'}
    assert all(v.dtype == np.float32 for v in params.values())  # loaded as float32
    assert header['check']['reviews'] == pretrained.CHECK_REVIEWS
    assert config.tokenizer == 'glove' and config.keep_best_epoch


def test_it_has_the_recorded_accuracy_in_both_backends(models, imdb_data):
    nets, _, config = models
    recorded = pretrained.recorded_check()['accuracy']
    for b, net in nets.values():
        assert pretrained.check_accuracy(b, net, config) == recorded, b.NAME


@pytest.mark.mxnet
def test_both_backends_give_the_same_probabilities(models, imdb_data):
    nets, _, config = models
    subset = dataclasses.replace(config, limit=200)
    probs = [b.predict_proba(net, splits.make_splits(subset, b.to_tensor)[2])
             for b, net in nets.values()]
    assert len(probs[0]) == 200
    np.testing.assert_allclose(probs[0], probs[1], atol=1e-5)


def test_the_example_reviews_are_classified_as_labelled_and_sure(models):
    nets, vocab, _ = models
    for b, net in nets.values():
        for review, expected in EXAMPLE_REVIEWS:
            label, prob = b.predict_sentiment(net, vocab, review)
            assert label == expected and prob > 0.95, (b.NAME, review)


def test_the_books_signature_reads_as_the_model_was_trained(models):
    """``predict_sentiment(net, vocab, text)``, the book's call, tokenizes and cuts as
    the shipped model was trained (the vocabulary carries both): the same answer as
    ``read_review``, and the same for texts the book's whitespace split would read apart."""
    nets, vocab, config = models
    assert (vocab.tokenizer, vocab.num_steps) == (config.tokenizer, config.num_steps)
    for b, net in nets.values():
        for review in REVIEWS:
            reading = b.read_review(net, vocab, review)
            assert b.predict_sentiment(net, vocab, review) == (
                reading['label'], reading['probability']), review
        assert b.predict_sentiment(net, vocab, 'A WONDERFUL film!') == \
            b.predict_sentiment(net, vocab, 'a wonderful film !')


def test_read_review_names_the_unknown_words(models):
    nets, vocab, _ = models
    b, net = nets['torch']
    reading = b.read_review(net, vocab, 'Zxqv was great, zxqv and Qwzy!')
    assert reading['unknown'] == ['zxqv', 'qwzy']  # lower-cased, each once, in order
    assert describe_reading(reading).endswith('does not know: zxqv, qwzy')
    assert describe_reading(dict(reading, unknown=[])).endswith('does not know: none')


def test_the_review_box_shows_the_reading_and_highlights_the_words_as_one_types(models):
    pytest.importorskip('ipywidgets')
    nets, vocab, config = models
    b, net = nets['torch']

    def read(text):
        return b.read_review(net, vocab, text)

    def attribute(text):
        return b.token_attributions(net, vocab, text)
    box = widgets.review_box(read, attribute)
    text, shown, words = box.children
    assert (shown.value, words.value) == (widgets.PROMPT, '')
    assert 'd2lsent-reading' in shown._dom_classes  # the browser test finds it so
    text.value = 'a wonderful film'
    assert shown.value == describe_reading(read('a wonderful film'))
    assert words.value == widgets.highlights(attribute, 'a wonderful film') == \
        attribution.to_html(attribute('a wonderful film'))
    assert '>wonderful</span>' in words.value
    text.value = '   '
    assert (shown.value, words.value) == (widgets.PROMPT, '')
    assert len(widgets.review_box(read).children) == 2  # without attribute: the line alone


def test_the_card_quotes_the_file():
    card = pretrained.CARD.read_text()
    check = pretrained.recorded_check()
    assert f"{check['accuracy']:.4f}" in card
    assert f"{pretrained.PATH.stat().st_size / 2**20:.1f} MiB" in card
    assert 'not for decisions about people' in card.lower()


def test_a_missing_file_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(pretrained, 'PATH', tmp_path / 'gone.npz')
    with pytest.raises(FileNotFoundError, match='gone.npz is missing: reinstall'):
        pretrained.load_pretrained(backends.load('torch'))
