"""A baseline first: what a linear model of the words reaches on the model's split, and
a paired comparison of two classifiers on the same test reviews.

Each review becomes a bag of its unigrams and bigrams, split by the model's tokenizer
(``config.tokenizer``), binarized (a word is there or not) and kept if it occurs in at
least ``MIN_DF`` training reviews. Two linear classifiers read it:

* logistic regression;
* NB-SVM (Wang and Manning, 2012, "NBSVM-bi"): each feature is scaled by its log-count
  ratio (``log_count_ratio``: how much more often it occurs in positive than in negative
  reviews), then a linear SVM (L2-regularised, squared hinge loss, liblinear: the
  paper's) is fitted, and its weights are pulled towards their mean magnitude by the
  paper's interpolation ``beta``.

Both train on the training part of ``splits.split_indices(config, data)``, choose their
settings (``C``, and NB-SVM's ``beta``) by the accuracy on its validation part alone,
and are evaluated once on the test reviews (all 25,000 unless ``config.limit``). Unlike
the model, which reads each review's first ``config.num_steps`` tokens, they read
whole reviews, as the literature's baselines do.

scikit-learn is imported inside the functions: ``import d2lsent`` does not need it.
"""
import math
import time

import numpy as np

from . import imdb, splits, text
from .config import Config

MIN_DF = 2  # training reviews a unigram or bigram must occur in to be a feature
LOGISTIC_CS = (0.03, 0.1, 0.3)  # inverse regularisation strengths tried on validation
NBSVM_CS = (0.001, 0.003, 0.01)
NBSVM_BETAS = (0.25, 1.0)  # the paper's interpolation, and none (the SVM's own weights)


def ngrams(tokenizer, review):
    """The unigrams and bigrams of one review as ``tokenizer`` splits it (bigrams as
    ``'first second'``): ``ngrams('glove', 'Not bad!')`` gives ``['not', 'bad', '!',
    'not bad', 'bad !']``."""
    tokens = text.tokenize_with(tokenizer, [review])[0]
    return tokens + [f'{a} {b}' for a, b in zip(tokens, tokens[1:])]


def bag_of_ngrams(config, data):
    """``(features, labels, test_idx)``: ``features`` and ``labels`` are ``{'train',
    'valid', 'test': sparse (reviews, features) matrix of 0/1 | labels}`` of the reviews
    ``config`` uses, the features chosen from the training part alone; ``test_idx``: the
    indices of the test reviews, in the order of the rows."""
    from sklearn.feature_extraction.text import CountVectorizer
    train_idx, valid_idx, test_idx = splits.split_indices(config, data)
    parts = {'train': ('train', train_idx), 'valid': ('train', valid_idx),
             'test': ('test', test_idx)}
    vectorizer = CountVectorizer(analyzer=lambda review: ngrams(config.tokenizer, review),
                                 min_df=MIN_DF, binary=True)
    features, labels = {}, {}
    for part, (split, idx) in parts.items():
        reviews = [getattr(data, f'{split}_reviews')[i] for i in idx]
        features[part] = (vectorizer.fit_transform if part == 'train'
                          else vectorizer.transform)(reviews)
        labels[part] = getattr(data, f'{split}_labels')[idx]
    return features, labels, test_idx


def log_count_ratio(X, y, alpha=1.0):
    """NB-SVM's ``r = log((p / |p|_1) / (q / |q|_1))`` per feature, with ``p = alpha +``
    the sum of the rows of ``X`` (reviews, features) whose label ``y`` is 1 (positive)
    and ``q`` the same over the negative ones: > 0 for features of positive reviews."""
    p = alpha + np.asarray(X[y == 1].sum(axis=0)).ravel()
    q = alpha + np.asarray(X[y == 0].sum(axis=0)).ravel()
    return np.log(p / p.sum()) - np.log(q / q.sum())


def _logistic(X, y):
    """Logistic regression for each ``C`` of ``LOGISTIC_CS``: ``(settings, weights,
    bias)``, the decision being ``X @ weights + bias > 0``."""
    from sklearn.linear_model import LogisticRegression
    for C in LOGISTIC_CS:
        model = LogisticRegression(C=C, solver='liblinear').fit(X, y)
        yield dict(C=C), model.coef_.ravel(), float(model.intercept_[0])


def _nbsvm(X, y):
    """NB-SVM for each ``C`` of ``NBSVM_CS`` and ``beta`` of ``NBSVM_BETAS``, as
    ``_logistic`` gives them: the scaling by ``r`` is folded into the weights, so they
    apply to the 0/1 features directly."""
    from scipy import sparse
    from sklearn.svm import LinearSVC
    r = log_count_ratio(X, y)
    scaled = X @ sparse.diags(r)
    for C in NBSVM_CS:
        svm = LinearSVC(C=C, max_iter=10_000).fit(scaled, y)
        w = svm.coef_.ravel()
        for beta in NBSVM_BETAS:  # w' = (1 - beta) mean|w| + beta w
            yield (dict(C=C, beta=beta), r * ((1 - beta) * np.abs(w).mean() + beta * w),
                   float(svm.intercept_[0]))


CLASSIFIERS = {'logistic regression': _logistic, 'NB-SVM': _nbsvm}


def fit_baselines(config=None, data=None):
    """Train, select on validation and test each of ``CLASSIFIERS`` on ``config``'s split
    of ``data`` (by default ``imdb.load_imdb`` of ``config``, itself ``Config()`` by
    default). Returns ``{name: dict(settings, valid_accuracy, tried, test_accuracy,
    predicted, correct, features, seconds)}``: the chosen ``settings`` and their validation
    accuracy, the validation accuracy of every setting ``tried``, and the test accuracy,
    the predicted label (1: positive) and its correctness per test review in the order
    of ``splits.split_indices(config, data)[2]`` (as ``evaluation.evaluate_test_set``'s
    ``predicted``); the number of ``features``; ``seconds``: building the features
    (shared, counted in each) and fitting. The test reviews choose nothing."""
    config = config or Config()
    data = data or imdb.load_imdb(config.num_steps, tokenizer=config.tokenizer)
    start = time.perf_counter()
    X, y, _ = bag_of_ngrams(config, data)
    features_s = time.perf_counter() - start
    results = {}
    for name, candidates in CLASSIFIERS.items():
        start = time.perf_counter()
        tried = []
        for settings, w, b in candidates(X['train'], y['train']):
            valid_accuracy = float(((X['valid'] @ w + b > 0) == y['valid']).mean())
            tried.append((valid_accuracy, settings, w, b))
        best = max(tried, key=lambda t: t[0])  # the first of equals: the order tried
        predicted = (X['test'] @ best[2] + best[3] > 0).astype(np.int64)
        correct = predicted == y['test']
        results[name] = dict(
            settings=best[1], valid_accuracy=best[0],
            tried=[dict(settings, valid_accuracy=a) for a, settings, _, _ in tried],
            test_accuracy=float(correct.mean()), predicted=predicted, correct=correct,
            features=X['train'].shape[1],
            seconds=features_s + time.perf_counter() - start)
    return results


def paired_comparison(correct_a, correct_b):
    """Two classifiers A and B judged on the same reviews, from their correctness per
    review (boolean arrays of equal length): ``dict(reviews, accuracy_a, accuracy_b,
    difference, standard_error, unpaired_standard_error, only_a_right, only_b_right,
    p_value, test)``.

    ``difference``: accuracy A - B. ``standard_error``: its standard error from the
    per-review differences (each -1, 0 or 1; their variance over the reviews, divided
    by their number): only the reviews on which the two disagree add to it, so it is
    smaller than ``unpaired_standard_error``, the one of two independent samples
    (``sqrt(a (1 - a) / n + b (1 - b) / n)``). ``p_value``: McNemar's exact test,
    two-sided: under "equally accurate" each review that only one of them gets right
    is A's with probability 1/2, so ``only_a_right`` is binomial; the p-value is twice
    the probability of a split at least as uneven (at most 1).
    """
    a, b = np.asarray(correct_a, bool), np.asarray(correct_b, bool)
    if a.shape != b.shape or a.ndim != 1 or not len(a):
        raise ValueError(f'Need one correctness value per review for both classifiers, '
                         f'on the same reviews: got shapes {a.shape} and {b.shape}.')
    n, only_a, only_b = len(a), int((a & ~b).sum()), int((~a & b).sum())
    accuracy_a, accuracy_b = float(a.mean()), float(b.mean())
    difference = (only_a - only_b) / n  # = accuracy_a - accuracy_b
    discordant = only_a + only_b
    tail = sum(math.comb(discordant, k) for k in range(min(only_a, only_b) + 1))
    return dict(
        reviews=n, accuracy_a=accuracy_a, accuracy_b=accuracy_b, difference=difference,
        standard_error=math.sqrt((discordant / n - difference ** 2) / n),
        unpaired_standard_error=math.sqrt(
            (accuracy_a * (1 - accuracy_a) + accuracy_b * (1 - accuracy_b)) / n),
        only_a_right=only_a, only_b_right=only_b,
        p_value=min(1.0, 2 * tail / 2 ** discordant),
        test="McNemar's exact test (two-sided binomial on the reviews only one gets right)")
