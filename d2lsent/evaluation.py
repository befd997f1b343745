"""Evaluation beyond accuracy: confusion matrix, per-class scores, accuracy by review
length, calibration, and the most confidently wrong reviews.

Everything here works on numpy arrays: the predicted probability of "positive"
for each review, the true labels (1 = positive) and the review lengths, so the
same report serves both backends (``evaluate_test_set`` takes the backend).
"""
import json
import pathlib

import numpy as np

from . import imdb, prediction, splits
from .files import atomic_write

CLASSES = ('negative', 'positive')  # label 0, label 1
LENGTH_EDGES = (0, 100, 200, 300, 500, np.inf)  # review length buckets, in tokens


def confusion_matrix(labels, predicted):
    """``m[i][j]``: reviews of true class ``i`` predicted as class ``j``."""
    m = np.zeros((2, 2), dtype=np.int64)
    np.add.at(m, (labels, predicted), 1)
    return m


def class_scores(matrix):
    """Precision, recall, F1 and support of each class from a confusion matrix."""
    scores = {}
    for c, name in enumerate(CLASSES):
        tp = matrix[c, c]
        precision = tp / max(matrix[:, c].sum(), 1)
        recall = tp / max(matrix[c, :].sum(), 1)
        f1 = 2 * precision * recall / max(precision + recall, 1e-12)
        scores[name] = dict(precision=float(precision), recall=float(recall),
                            f1=float(f1), support=int(matrix[c, :].sum()))
    return scores


def by_length(correct, lengths, edges=LENGTH_EDGES):
    """Accuracy per review-length bucket ``[lo, hi)`` (in tokens, before truncation)."""
    rows = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (lengths >= lo) & (lengths < hi)
        if inside.any():
            rows.append(dict(bucket=f'{lo}-{hi - 1:.0f}' if np.isfinite(hi) else f'{lo}+',
                             reviews=int(inside.sum()),
                             accuracy=float(correct[inside].mean())))
    return rows


def calibration(confidence, correct, num_bins=10):
    """Reliability of the predicted probability of the chosen label.

    The confidences (0.5 to 1 for two classes) are put in ``num_bins`` equal
    bins; a calibrated model is right in a bin as often as it is confident.
    Returns the bins and the expected calibration error (ECE): the mean gap
    between confidence and accuracy, weighted by the reviews in each bin.
    """
    edges = np.linspace(0.5, 1.0, num_bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, num_bins - 1)
    bins, ece = [], 0.0
    for b in range(num_bins):
        inside = which == b
        if inside.any():
            conf, acc = float(confidence[inside].mean()), float(correct[inside].mean())
            bins.append(dict(low=float(edges[b]), high=float(edges[b + 1]),
                             reviews=int(inside.sum()), confidence=conf, accuracy=acc))
            ece += inside.mean() * abs(conf - acc)
    return bins, float(ece)


def evaluate_predictions(prob_positive, labels, lengths, texts=None, num_wrong=5):
    """A JSON-ready report of the predictions on a labelled set of reviews.

    ``prob_positive``: predicted probability of "positive" per review;
    ``labels``: 1 = positive, 0 = negative; ``lengths``: tokens per review;
    ``texts``: the reviews, to show the most confidently wrong ones.
    """
    prob_positive, labels = np.asarray(prob_positive, float), np.asarray(labels)
    lengths = np.asarray(lengths)
    if not len(prob_positive) == len(labels) == len(lengths):
        raise ValueError(f'Need one probability, label and length per review, got '
                         f'{len(prob_positive)}, {len(labels)} and {len(lengths)}.')
    if len(labels) == 0:
        raise ValueError('No reviews to evaluate.')
    predicted = (prob_positive > 0.5).astype(np.int64)
    correct = predicted == labels
    confidence = np.where(predicted == 1, prob_positive, 1 - prob_positive)
    matrix = confusion_matrix(labels, predicted)
    bins, ece = calibration(confidence, correct)
    wrong = np.flatnonzero(~correct)
    wrong = wrong[np.argsort(-confidence[wrong], kind='stable')][:num_wrong]
    return dict(
        reviews=int(len(labels)), accuracy=float(correct.mean()),
        confusion_matrix=matrix.tolist(), classes=list(CLASSES),
        per_class=class_scores(matrix), by_length=by_length(correct, lengths),
        calibration=bins, expected_calibration_error=ece,
        confidently_wrong=[dict(index=int(i), label=CLASSES[labels[i]],
                                predicted=CLASSES[predicted[i]],
                                confidence=float(confidence[i]),
                                text=None if texts is None else texts[i])
                           for i in wrong],
        # Each review's predicted class, in order ('0110...'): two runs' predictions on
        # the same reviews give a paired comparison (``baseline.paired_comparison``).
        predicted=''.join(map(str, predicted)))


def test_probabilities(backend, net, config, data=None):
    """``(probability of "positive" per review, their indices, data)`` of ``net`` (a
    model of ``backend``) on the test reviews that ``config`` uses (all 25,000 unless
    ``config.limit``) of ``data`` (by default ``imdb.load_imdb`` of ``config``)."""
    data = data or imdb.load_imdb(config.num_steps, tokenizer=config.tokenizer)
    test_idx = splits.split_indices(config, data)[2]
    test_iter = splits.batches(config, data, 'test', test_idx, False, backend.to_tensor)
    return np.asarray(prediction.predict_proba(backend, net, test_iter)), test_idx, data


def evaluate_test_set(backend, net, config, num_wrong=5, data=None):
    """``evaluate_predictions`` of ``net`` on the test reviews of ``test_probabilities``."""
    probs, test_idx, data = test_probabilities(backend, net, config, data)
    return evaluate_predictions(probs, data.test_labels[test_idx],
                                data.test_num_tokens[test_idx],
                                [data.test_reviews[i] for i in test_idx], num_wrong)


def plot_evaluation(report, figsize=(11, 3.2)):
    """Confusion matrix, accuracy by review length and a reliability diagram."""
    from matplotlib import pyplot as plt
    fig, (ax_m, ax_len, ax_cal) = plt.subplots(1, 3, figsize=figsize)
    matrix = np.array(report['confusion_matrix'])
    ax_m.imshow(matrix, cmap='Blues')
    for (i, j), n in np.ndenumerate(matrix):
        ax_m.text(j, i, f'{n:,}', ha='center', va='center',
                  color='white' if n > matrix.max() / 2 else 'black')
    ax_m.set_xticks([0, 1], CLASSES)
    ax_m.set_yticks([0, 1], CLASSES)
    ax_m.set_xlabel('predicted')
    ax_m.set_ylabel('true')
    ax_m.set_title(f"accuracy {report['accuracy']:.3f}")
    rows = report['by_length']
    ax_len.bar([r['bucket'] for r in rows], [r['accuracy'] for r in rows])
    for k, r in enumerate(rows):
        ax_len.text(k, r['accuracy'], f"{r['reviews']:,}", ha='center', va='bottom',
                    fontsize=8)
    ax_len.set_ylim(0.5, 1)
    ax_len.set_xlabel('review length (tokens); bar labels: reviews')
    ax_len.set_ylabel('accuracy')
    bins = report['calibration']
    ax_cal.plot([0.5, 1], [0.5, 1], '--', color='gray', label='calibrated')
    ax_cal.plot([b['confidence'] for b in bins], [b['accuracy'] for b in bins], 'o-',
                label='model')
    ax_cal.set_xlabel('confidence')
    ax_cal.set_ylabel('accuracy')
    ax_cal.set_title(f"ECE {report['expected_calibration_error']:.3f}")
    ax_cal.legend()
    fig.tight_layout()
    return fig


def write_report(report, folder, stem='evaluation'):
    """Write ``folder/STEM.json`` and ``folder/STEM.png``; returns both paths."""
    from .plot import save_figure
    folder = pathlib.Path(folder)
    paths = folder / f'{stem}.json', folder / f'{stem}.png'
    with atomic_write(paths[0]) as f:
        f.write(json.dumps(report, indent=1))
    save_figure(plot_evaluation(report), paths[1])
    return paths
