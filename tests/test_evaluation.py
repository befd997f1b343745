import json

import numpy as np
import pytest

from d2lsent import evaluation

# Six reviews: three positive (label 1), three negative; two mistakes.
PROBS = np.array([0.9, 0.6, 0.2, 0.1, 0.7, 0.45])
LABELS = np.array([1, 1, 1, 0, 0, 0])
LENGTHS = np.array([50, 150, 250, 350, 600, 80])
TEXTS = [f'review {i}' for i in range(6)]


def test_confusion_matrix_and_per_class_scores():
    report = evaluation.evaluate_predictions(PROBS, LABELS, LENGTHS, TEXTS)
    # rows: true negative, positive; columns: predicted negative, positive
    assert report['confusion_matrix'] == [[2, 1], [1, 2]]
    assert report['accuracy'] == pytest.approx(4 / 6)
    for name in ('negative', 'positive'):
        scores = report['per_class'][name]
        assert scores['precision'] == pytest.approx(2 / 3)
        assert scores['recall'] == pytest.approx(2 / 3)
        assert scores['f1'] == pytest.approx(2 / 3)
        assert scores['support'] == 3


def test_accuracy_by_length_bucket():
    report = evaluation.evaluate_predictions(PROBS, LABELS, LENGTHS)
    assert report['by_length'] == [
        dict(bucket='0-99', reviews=2, accuracy=1.0),
        dict(bucket='100-199', reviews=1, accuracy=1.0),
        dict(bucket='200-299', reviews=1, accuracy=0.0),
        dict(bucket='300-499', reviews=1, accuracy=1.0),
        dict(bucket='500+', reviews=1, accuracy=0.0)]


def test_calibration_bins_and_expected_error():
    # Confidence of the chosen label: 0.9, 0.6, 0.8, 0.9, 0.7, 0.55.
    bins, ece = evaluation.calibration(np.array([0.9, 0.6, 0.8, 0.9, 0.7, 0.55]),
                                       np.array([1, 1, 0, 1, 0, 1], dtype=bool), num_bins=5)
    assert [(b['low'], b['reviews'], b['accuracy']) for b in bins] == [
        (0.5, 1, 1.0), (0.6, 1, 1.0), (0.7, 1, 0.0), (0.8, 1, 0.0), (0.9, 2, 1.0)]
    gaps = [0.45, 0.4, 0.7, 0.8, 0.1 * 2]  # |confidence - accuracy| times reviews
    assert ece == pytest.approx(sum(gaps) / 6)


def test_most_confidently_wrong_reviews_come_first_with_their_text():
    report = evaluation.evaluate_predictions(PROBS, LABELS, LENGTHS, TEXTS, num_wrong=5)
    wrong = report['confidently_wrong']
    assert [w['index'] for w in wrong] == [2, 4]  # confidence 0.8, then 0.7
    assert wrong[0] == dict(index=2, label='positive', predicted='negative',
                            confidence=pytest.approx(0.8), text='review 2')


def test_bad_inputs_are_clear_errors():
    with pytest.raises(ValueError, match='one probability, label and length per review'):
        evaluation.evaluate_predictions(PROBS[:5], LABELS, LENGTHS)
    with pytest.raises(ValueError, match='No reviews'):
        evaluation.evaluate_predictions([], [], [])


def test_write_report_writes_json_and_figure(tmp_path):
    report = evaluation.evaluate_predictions(PROBS, LABELS, LENGTHS, TEXTS)
    paths = evaluation.write_report(report, tmp_path / 'run')
    assert [p.name for p in paths] == ['evaluation.json', 'evaluation.png']
    assert json.loads(paths[0].read_text()) == json.loads(json.dumps(report))
    assert paths[1].read_bytes()[:4] == b'\x89PNG'
    assert sorted(p.name for p in (tmp_path / 'run').iterdir()) == \
        ['evaluation.json', 'evaluation.png']  # no temporary files left
    fig = evaluation.plot_evaluation(report)
    assert len(fig.axes) >= 3
