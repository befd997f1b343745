"""Prediction with a trained model, the same for every backend: accuracy, the
probability of "positive" for each review, and the label of one review.

``backend`` is ``d2lsent.torch`` or ``d2lsent.mxnet`` (``d2lsent.backend``); each offers
these functions under the same names without that argument (``d2l.predict_sentiment``).
"""
import numpy as np

# The final check of a trained model: these must be classified as labelled.
EXAMPLE_REVIEWS = [
    ('this movie is great , a wonderful and excellent film . i loved it', 'positive'),
    ('a brilliant , moving story with superb acting', 'positive'),
    ('this movie is terrible , an awful and boring film . i hated it', 'negative'),
    ('the worst film i have ever seen , a complete waste of time', 'negative'),
]


def softmax(logits):
    """Probabilities of each row of ``logits`` (numpy, ``(batch, classes)``)."""
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def evaluate_accuracy(backend, net, data_iter, device=None, across_processes=False):
    """Share of correctly classified examples (counted per example); with
    ``across_processes``, over the shards of ``data_iter`` in all processes."""
    counts = [0, 0]  # correct, examples
    for X, y, *lengths in data_iter:  # lengths: only in the fast recipe
        logits = backend.predict_logits(net, X, *lengths, device=device)
        counts[0] += int((logits.argmax(axis=1) == backend.to_numpy(y)).sum())
        counts[1] += len(y)
    correct, examples = backend.all_sum(counts) if across_processes else counts
    return correct / examples


def predict_proba(backend, net, data_iter, device=None):
    """Probability of "positive" for each review of an unshuffled ``data_iter``,
    in the order of its examples (the fast recipe's buckets reorder them)."""
    probs = [softmax(backend.predict_logits(net, X, *lengths, device=device))[:, 1]
             for X, _, *lengths in data_iter]
    return in_example_order(data_iter, probs)


def predict_sentiment(backend, net, vocab, text):
    """``('positive' | 'negative', probability of that label)`` for one review, split
    into tokens as the vocabulary's training texts were and cut, as in training, to its
    first ``vocab.num_steps`` tokens (``text.Vocab.review_tokens``)."""
    return _sentiment_of(backend, net, vocab[vocab.review_tokens(text)])


def read_review(backend, net, vocab, text):
    """What the model makes of one review: ``dict(label, probability, unknown)``, the
    label and its probability as ``predict_sentiment`` gives them, and the words it
    does not know (read as ``<unk>``), in the order they first appear."""
    tokens = vocab.review_tokens(text)  # tokenized once for both
    ids = vocab[tokens]
    label, probability = _sentiment_of(backend, net, ids)
    unknown = list(dict.fromkeys(t for t, i in zip(tokens, ids) if i == vocab.unk))
    return dict(label=label, probability=probability, unknown=unknown)


def _sentiment_of(backend, net, ids):
    """``sentiment`` of one review given as its token ids."""
    X = backend.to_tensor(np.array([ids], dtype=np.int32))
    return sentiment(softmax(backend.predict_logits(net, X))[0])


def describe_reading(reading):
    """``read_review``'s answer as one line: label, probability, unknown words."""
    unknown = ', '.join(reading['unknown']) or 'none'
    return (f"{reading['label']} (probability {reading['probability']:.3f}); words the "
            f"model does not know: {unknown}")


def in_example_order(data_iter, batch_outputs):
    """Join one pass's per-batch numpy ``batch_outputs`` into one array, example by
    example in the order of ``data_iter``'s arrays (undoing the buckets' sorting)."""
    if data_iter.shuffle:
        raise ValueError('Predictions need an unshuffled iterator (shuffle=False): '
                         'a shuffled one orders each pass differently.')
    order = np.concatenate(data_iter.indices())
    outputs = np.concatenate(batch_outputs)
    if len(outputs) != len(order):
        raise ValueError(f'Got {len(outputs)} outputs for {len(order)} examples.')
    result = np.empty_like(outputs)
    result[order] = outputs
    return result


def sentiment(probs):
    """``('positive' | 'negative', probability of that label)`` from 2 class probabilities."""
    label = int(probs.argmax())
    return ('positive' if label == 1 else 'negative'), float(probs[label])
