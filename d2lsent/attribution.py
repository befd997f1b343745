"""Which words make the model's answer: each token's score is how much the probability
of the predicted label drops when that token is removed from the review (occlusion).

Removed, not replaced by ``'<unk>'``: the review without the word is one a reader can
type and check in the review box, while ``'<unk>'`` is a word the model has learned a
meaning for (names, typos and every rare word read as it), so replacing a word by it
would measure the difference to that word, not to nothing. The review and its
shortened copies go through the model in minibatches padded to their longest row, with
each row's length (the fast recipe's ``predict_logits(net, X, lengths)``), so the
padding changes nothing.

``backend`` is ``d2lsent.torch`` or ``d2lsent.mxnet``; each offers
``token_attributions`` without that argument (``d2l.token_attributions(net, vocab,
text)``). ``to_html`` and ``to_text`` render the result.
"""
import html

import numpy as np

from .prediction import sentiment, softmax

# The colours of the words that support each label (RGB), at an opacity that grows with
# the score, up to MAX_OPACITY for the review's largest.
COLOURS = {'positive': (0, 150, 70), 'negative': (215, 40, 40)}
MAX_OPACITY = 0.8


def token_attributions(backend, net, vocab, text, batch_size=64):
    """``dict(label, probability, tokens, scores)`` for one review: the label the model
    gives it and that label's probability (``predict_sentiment``'s, to float rounding),
    the tokens it reads (``vocab.review_tokens``: at most ``vocab.num_steps``) and, for
    each, that probability less the one of the review without the token: > 0 where the
    token supports the label, < 0 where it speaks against it. A review of one token,
    removed, leaves nothing to read, which counts as even odds (0.5). A review of n
    tokens costs n + 1 readings of it (500 tokens: about 3 s on one CPU core)."""
    tokens = vocab.review_tokens(text)
    ids = np.array(vocab[tokens], dtype=np.int32)
    rows = [ids] + [np.delete(ids, i) for i in range(len(ids))]  # (n + 1) rows
    probs = _probabilities(backend, net, [r for r in rows if len(r)], vocab['<pad>'],
                           batch_size)
    label, probability = sentiment(probs[0])
    chosen = 1 if label == 'positive' else 0
    without = probs[1:, chosen] if len(ids) > 1 else np.array([0.5])
    return dict(label=label, probability=probability, tokens=tokens,
                scores=[probability - float(p) for p in without])


def _probabilities(backend, net, rows, padding_id, batch_size):
    """The class probabilities ``(len(rows), 2)`` of the reviews ``rows`` (token id
    arrays), read in minibatches of ``batch_size`` with their lengths."""
    probs = []
    for start in range(0, len(rows), batch_size):
        batch = rows[start:start + batch_size]
        lengths = np.array([len(r) for r in batch], dtype=np.int64)
        X = np.full((len(batch), lengths.max()), padding_id, dtype=np.int32)
        for row, r in zip(X, batch):
            row[:len(r)] = r
        probs.append(softmax(backend.predict_logits(
            net, backend.to_tensor(X), backend.to_tensor(lengths))))
    return np.concatenate(probs)


def toward_positive(attributions):
    """The scores as support for "positive" (> 0) or "negative" (< 0), whatever the
    predicted label: the probability of "positive" is 1 minus that of "negative"."""
    sign = 1 if attributions['label'] == 'positive' else -1
    return [sign * s for s in attributions['scores']]


def to_html(attributions):
    """The tokens as HTML for a notebook: each on a background of the colour of the
    label it supports (``COLOURS``), stronger the larger its score relative to the
    review's largest, with its score in a tooltip. The tokens are escaped: a review
    with ``<script>`` shows it as text."""
    scores = toward_positive(attributions)
    largest = max(map(abs, scores)) or 1.0
    spans = []
    for token, score in zip(attributions['tokens'], scores):
        r, g, b = COLOURS['positive' if score > 0 else 'negative']
        opacity = MAX_OPACITY * abs(score) / largest
        spans.append(f'<span title="{score:+.3f}" style="background: rgba({r}, {g}, {b}, '
                     f'{opacity:.2f}); padding: 0 2px">{html.escape(token)}</span>')
    return f'<div class="d2lsent-attributions">{" ".join(spans)}</div>'


def to_text(attributions, digits=3):
    """The tokens as plain text, each followed by its score (for the predicted label)
    in brackets: ``'a[+0.000] wonderful[+0.412] film[-0.003]'``."""
    return ' '.join(f'{token}[{score:+.{digits}f}]' for token, score in
                    zip(attributions['tokens'], attributions['scores']))
