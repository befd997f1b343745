"""Token attributions by occlusion, on the shipped model: each score is the drop of the
predicted label's probability without the token (recomputed here), the same in both
backends; and their renderings."""
import inspect

import numpy as np
import pytest

from d2lsent import attribution
from d2lsent import backend as backends
from d2lsent.prediction import softmax

MIXED = 'Great cast ... and yet not a single scene works.'


@pytest.fixture(scope='module')
def shipped():
    """``(PyTorch backend, net, vocab)`` of the shipped model."""
    b = backends.load('torch')
    net, vocab, _ = b.load_pretrained()
    return b, net, vocab


def test_each_score_is_the_drop_without_its_token(shipped):
    b, net, vocab = shipped
    found = b.token_attributions(net, vocab, MIXED)
    assert found['tokens'] == vocab.review_tokens(MIXED)
    reading = b.read_review(net, vocab, MIXED)
    assert found['label'] == reading['label']
    assert found['probability'] == pytest.approx(reading['probability'], abs=1e-5)
    label = 1 if found['label'] == 'positive' else 0
    ids = vocab[found['tokens']]
    for i, score in enumerate(found['scores']):  # each token removed, read unpadded
        X = b.to_tensor(np.array([ids[:i] + ids[i + 1:]], dtype=np.int32))
        without = softmax(b.predict_logits(net, X))[0, label]
        assert found['probability'] - without == pytest.approx(score, abs=1e-5), i
    top = int(np.argmax(np.abs(found['scores'])))
    assert abs(found['scores'][top]) > 0.05  # the top token matters


def test_a_clear_review_credits_its_sentiment_word(shipped):
    b, net, vocab = shipped
    positive = b.token_attributions(net, vocab, 'a wonderful film')
    assert positive['label'] == 'positive'
    assert positive['tokens'] == ['a', 'wonderful', 'film']
    assert np.argmax(positive['scores']) == 1 and positive['scores'][1] > 0.1
    negative = b.token_attributions(net, vocab, 'a dreadful film')
    assert negative['label'] == 'negative'
    assert np.argmax(negative['scores']) == 1 and negative['scores'][1] > 0.1
    assert attribution.toward_positive(negative)[1] == -negative['scores'][1]


def test_minibatches_of_any_size_give_the_same_scores(shipped):
    """Rows of the review's length and one less share a padded minibatch: the lengths
    make the padding exact, whatever the minibatch."""
    b, net, vocab = shipped
    whole = b.token_attributions(net, vocab, MIXED)['scores']
    assert len(whole) > 4
    by_four = b.token_attributions(net, vocab, MIXED, batch_size=4)['scores']
    np.testing.assert_allclose(by_four, whole, atol=1e-6)


def test_a_single_token_is_weighed_against_even_odds(shipped):
    b, net, vocab = shipped
    found = b.token_attributions(net, vocab, 'Great')
    assert found['tokens'] == ['great']
    assert found['scores'] == [pytest.approx(found['probability'] - 0.5)]


def test_the_backend_offers_it_without_its_first_argument(shipped):
    b = shipped[0]
    assert list(inspect.signature(b.token_attributions).parameters) == [
        'net', 'vocab', 'text', 'batch_size']


@pytest.mark.mxnet
def test_pytorch_and_mxnet_agree(shipped, mxnet_backend):
    b, net, vocab = shipped
    net_mx = mxnet_backend.load_pretrained()[0]
    for review in (MIXED, 'Not bad at all.', 'a wonderful film'):
        ours, theirs = (backend.token_attributions(model, vocab, review)
                        for backend, model in ((b, net), (mxnet_backend, net_mx)))
        assert (ours['label'], ours['tokens']) == (theirs['label'], theirs['tokens'])
        np.testing.assert_allclose(ours['scores'], theirs['scores'], atol=1e-5)


def test_the_html_shows_a_script_as_text(shipped):
    b, net, vocab = shipped
    shown = attribution.to_html(b.token_attributions(net, vocab,
                                                     'a <script>alert(1)</script> film'))
    assert '<script' not in shown and '&lt;' in shown and '&gt;' in shown
    made = dict(label='positive', probability=0.9, tokens=['<script>"x"</script>', 'fine'],
                scores=[-0.1, 0.2])
    shown = attribution.to_html(made)
    assert '&lt;script&gt;&quot;x&quot;&lt;/script&gt;' in shown and '<script' not in shown


def test_the_colours_say_which_label_a_word_supports_and_how_much():
    made = dict(label='negative', probability=0.9, tokens=['dull', 'but', 'fun'],
                scores=[0.4, 0.0, -0.2])  # for "negative": dull supports it, fun opposes
    shown = attribution.to_html(made)
    assert 'title="-0.400" style="background: rgba(215, 40, 40, 0.80)' in shown
    assert 'title="+0.200" style="background: rgba(0, 150, 70, 0.40)' in shown
    assert shown.startswith('<div class="d2lsent-attributions">')
    assert attribution.to_text(made) == 'dull[+0.400] but[+0.000] fun[-0.200]'
