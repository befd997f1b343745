"""The linear baselines (bag of unigrams and bigrams: logistic regression, NB-SVM) and the
paired comparison of two classifiers on the same reviews."""
import dataclasses
import math

import numpy as np
import pytest

from d2lsent import baseline, splits
from d2lsent.config import Config

pytest.importorskip('sklearn')


def test_ngrams_split_as_the_model_does():
    assert baseline.ngrams('glove', 'Not bad!') == ['not', 'bad', '!', 'not bad', 'bad !']
    assert baseline.ngrams('book', 'Not bad!') == ['Not', 'bad!', 'Not bad!']


def test_log_count_ratio_by_hand():
    from scipy import sparse
    X = sparse.csr_matrix([[1, 0, 1], [1, 1, 0], [0, 1, 1]])
    # p = 1 + the positive rows' sum = [3, 2, 2] (sum 7); q = 1 + [0, 1, 1] = [1, 2, 2] (5)
    r = baseline.log_count_ratio(X, np.array([1, 1, 0]))
    assert r == pytest.approx([math.log(3 / 7 / (1 / 5)), math.log(2 / 7 / (2 / 5)),
                               math.log(2 / 7 / (2 / 5))])


def correctness(both, only_a, only_b, neither):
    """Two boolean arrays of correctness with these counts of reviews."""
    a = [True] * both + [True] * only_a + [False] * only_b + [False] * neither
    b = [True] * both + [False] * only_a + [True] * only_b + [False] * neither
    return np.array(a), np.array(b)


def test_paired_comparison_by_hand():
    a, b = correctness(both=8, only_a=9, only_b=1, neither=2)
    result = baseline.paired_comparison(a, b)
    assert (result['reviews'], result['only_a_right'], result['only_b_right']) == (20, 9, 1)
    assert (result['accuracy_a'], result['accuracy_b']) == (0.85, 0.45)
    assert result['difference'] == pytest.approx(0.4)
    # Exact McNemar: 10 discordant reviews, 1 or fewer of them B's: 2 (1 + 10) / 2^10.
    assert result['p_value'] == pytest.approx(22 / 1024)
    d = a.astype(int) - b.astype(int)  # per review: 1, 0 or -1
    assert result['standard_error'] == pytest.approx(d.std() / math.sqrt(20))
    assert result['unpaired_standard_error'] == pytest.approx(
        math.sqrt((0.85 * 0.15 + 0.45 * 0.55) / 20))
    swapped = baseline.paired_comparison(b, a)
    assert swapped['difference'] == pytest.approx(-0.4)
    assert swapped['p_value'] == result['p_value']


def test_paired_comparison_agrees_with_scipy_on_many_reviews():
    stats = pytest.importorskip('scipy.stats')
    a, b = correctness(both=20_000, only_a=1474, only_b=1402, neither=2124)
    result = baseline.paired_comparison(a, b)
    assert result['p_value'] == pytest.approx(stats.binomtest(1402, 2876).pvalue, rel=1e-9)
    assert 0.05 < result['p_value'] < 1
    assert result['standard_error'] < result['unpaired_standard_error']


def test_paired_comparison_of_equals_and_of_mismatched_arrays():
    a, _ = correctness(both=5, only_a=3, only_b=0, neither=2)
    same = baseline.paired_comparison(a, a)
    assert (same['difference'], same['standard_error'], same['p_value']) == (0, 0, 1)
    with pytest.raises(ValueError, match=r'got shapes \(10,\) and \(9,\)'):
        baseline.paired_comparison(a, a[1:])


@pytest.fixture(scope='module')
def small(imdb_data):
    """A small split (2,000 training reviews, 400 of them validating; 2,000 test
    reviews) of the GloVe-tokenized data, and the baselines fitted on it."""
    from d2lsent import imdb
    config = Config(limit=2000, valid_size=400)
    data = imdb.load_imdb(config.num_steps, tokenizer=config.tokenizer)
    return config, data, baseline.fit_baselines(config, data)


def test_baselines_choose_on_validation_and_predict_each_test_review(small):
    config, data, results = small
    test_idx = splits.split_indices(config, data)[2]
    grids = {'logistic regression': len(baseline.LOGISTIC_CS),
             'NB-SVM': len(baseline.NBSVM_CS) * len(baseline.NBSVM_BETAS)}
    for name, result in results.items():
        assert len(result['tried']) == grids[name], name
        best = max(t['valid_accuracy'] for t in result['tried'])
        assert result['valid_accuracy'] == best
        assert dict(result['settings'], valid_accuracy=best) in result['tried']
        assert result['predicted'].shape == (len(test_idx),) == (2000,)
        labels = data.test_labels[test_idx]
        assert (result['correct'] == (result['predicted'] == labels)).all()
        assert result['test_accuracy'] == result['correct'].mean()
        assert result['test_accuracy'] > 0.75, name  # on 1,600 training reviews
        assert result['features'] > 10_000 and result['seconds'] > 0


def test_only_the_splits_reviews_train_and_the_test_labels_choose_nothing(small):
    """With the test labels flipped, and the labels of every training review the config
    leaves out flipped too, the baselines choose and predict the same."""
    config, data, results = small
    train_idx, valid_idx, _ = splits.split_indices(config, data)
    unused = np.setdiff1d(np.arange(25_000), np.concatenate([train_idx, valid_idx]))
    train_labels = data.train_labels.copy()
    train_labels[unused] = 1 - train_labels[unused]
    flipped = dataclasses.replace(data, train_labels=train_labels,
                                  test_labels=1 - data.test_labels)
    for name, result in baseline.fit_baselines(config, flipped).items():
        assert result['settings'] == results[name]['settings'], name
        assert (result['predicted'] == results[name]['predicted']).all(), name
        assert result['test_accuracy'] == pytest.approx(1 - results[name]['test_accuracy'])
