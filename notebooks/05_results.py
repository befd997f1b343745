# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     notebook_metadata_filter: kernelspec,jupytext,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python (d2lsent)
#     language: python
#     name: d2lsent
# ---

# %% [markdown]
# # Results: what the model gets right and wrong, and which choices matter
#
# The book stops at one number, the test accuracy. This chapter looks closer. First at
# one trained model: which mistakes it makes, on which reviews, and whether its
# probabilities can be trusted. Then at the choices behind it: each *ablation* below is
# a full training run (5 epochs, all reviews) that changes one setting of the default
# run, so that its effect can be read off.
#
# Every run of the ablation table was made by one command, `make ablations` (or one of
# its runs: `make docs/runs/ablations/NAME/evaluation.json`), and keeps its settings,
# per-epoch metrics and test evaluation in `docs/runs/ablations/NAME/`. Each run ends
# with the parameters of its best epoch **on the validation reviews** (2,500 reviews held
# out of the training set): the test reviews never choose anything.
#
# **Smoke and full runs.** The error analysis looks at the model that ships with d2lsent
# (`d2l.load_pretrained()`, a run of the preset `best`; its model card is
# `d2lsent/pretrained/MODEL_CARD.md`). With `D2LSENT_SMOKE=1` (as CI sets it) it reads
# 2,000 of the test reviews instead of all 25,000.

# %%
# %matplotlib inline
import dataclasses
import json
import os
import pathlib

from IPython.display import Markdown, display
from matplotlib import pyplot as plt

import d2lsent
from d2lsent import evaluation
from d2lsent import torch as d2l
from d2lsent.glove import coverage
from d2lsent.imdb import load_imdb
from d2lsent.machine import describe_machine
from d2lsent.results import load_run, markdown_table
from d2lsent.training import History

SMOKE = os.environ.get('D2LSENT_SMOKE') == '1'
ABLATIONS = pathlib.Path(d2lsent.__file__).parents[1] / 'docs' / 'runs' / 'ablations'
runs = sorted(p for p in ABLATIONS.iterdir() if (p / 'evaluation.json').is_file())

# %% tags=["nbval-ignore-output"]
print('run:', 'smoke' if SMOKE else 'full', '|', describe_machine())

# %% [markdown]
# ## Tokens that GloVe knows
#
# The book splits reviews on whitespace and keeps case and punctuation, so `movie.`,
# `Movie` and `movie` are three tokens, and only the last has a vector in GloVe 6B
# (lower-case, punctuation split off, as Stanford's tokenizer writes). The `glove`
# tokenizer lower-cases, drops the `<br />` line breaks and splits off punctuation; it
# gives a smaller vocabulary in which far more of the training text has a vector.

# %%
glove = d2l.TokenEmbedding()
for tokenizer in ('book', 'glove'):
    vocab = load_imdb(num_steps=100, tokenizer=tokenizer).vocab  # any num_steps: same vocab
    print(f'tokenizer {tokenizer}: {len(vocab):,} tokens in the vocabulary')
    print(coverage(vocab, glove), '\n')

# %% [markdown]
# ## The ablation runs
#
# One row per run. *epoch* is the epoch the run ended with (its best on validation),
# *valid acc* and *test acc* are that epoch's; *test acc, last epoch* shows what training
# for all 5 epochs would have given. Times are training only, on the machine named in
# each run's `config.json`.

# %%
display(Markdown(markdown_table(runs)))

# %% [markdown]
# The validation accuracy per epoch shows how quickly each run learns and when it starts
# to overfit (its training accuracy keeps rising while validation falls).

# %%
fig, ax = plt.subplots(figsize=(7, 3.5))
for run in runs:
    history = History(json.loads((run / 'metrics.json').read_text()))
    ax.plot(history['epoch'], history['valid_acc'], 'o-', label=run.name)
ax.set_xlabel('epoch')
ax.set_ylabel('validation accuracy')
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## The best run, chosen on validation
#
# We pick the run with the highest validation accuracy, and only then look at its test
# accuracy.

# %%
best = max(runs, key=lambda run: load_run(run)[1].summary()['valid_acc'])  # unrounded
chosen = load_run(best)[1].summary()
print(f"best on validation: {best.name} (epoch {chosen['selected_epoch']}, valid acc "
      f"{chosen['valid_acc']:.4f}, test acc {chosen['test_acc']:.4f})")
print('its settings:', json.loads((best / 'config.json').read_text()))

# %% [markdown]
# ## Evaluation beyond accuracy
#
# `evaluation.evaluate_test_set` classifies every test review and returns a report: the
# confusion matrix, precision, recall and F1 per class, the accuracy by review length,
# the calibration of the predicted probabilities, and the reviews the model got wrong
# with the most confidence. `python -m d2lsent evaluate RUN/model.npz` writes the same
# report to `evaluation.json` and `evaluation.png`.

# %% tags=["nbval-ignore-output"]
net, vocab, config = d2l.load_pretrained()
if SMOKE:
    config = dataclasses.replace(config, limit=2000)
report = evaluation.evaluate_test_set(d2l, net, config)
print(f"the pretrained model: test accuracy {report['accuracy']:.3f} on "
      f"{report['reviews']:,} reviews")

# %%
assert report['reviews'] == (config.limit or 25_000)
assert sum(map(sum, report['confusion_matrix'])) == report['reviews']
assert report['accuracy'] > 0.85

# %% [markdown]
# The confusion matrix (left) counts the reviews of each true class by predicted class.
# The middle panel splits the test reviews by length: long reviews carry more evidence,
# but the LSTM must carry it over more steps (reviews are cut at 500 tokens). The
# reliability diagram (right) groups the reviews by the probability the model gave its
# answer; a calibrated model is right 80% of the time when it says 0.8. The expected
# calibration error (ECE) is the average gap.

# %% tags=["nbval-ignore-output"]
evaluation.plot_evaluation(report)
plt.show()
for name, scores in report['per_class'].items():
    print(f"{name:8}: precision {scores['precision']:.3f}, recall {scores['recall']:.3f}, "
          f"F1 {scores['f1']:.3f} ({scores['support']:,} reviews)")

# %% [markdown]
# The most confidently wrong reviews are worth reading: some are mislabelled or
# sarcastic, some praise the actors and pan the film, some change their mind halfway.

# %% tags=["nbval-ignore-output"]
for wrong in report['confidently_wrong']:
    print(f"labelled {wrong['label']}, predicted {wrong['predicted']} with probability "
          f"{wrong['confidence']:.3f}:\n  {wrong['text'][:600]}\n")

# %% [markdown]
# ## What the choices taught
#
# Each run differs from `torch-base` (the default run) in one setting (the frozen run from
# `torch-glove-tokens`; the MXNet runs in the backend, and `mxnet-book-recipe` and
# `mxnet-glove-tokens` in one more setting, best compared with `mxnet-base`; the dropout
# runs from the glove-tokens run of their backend, the weight-decay run and the
# validation-by-movie run from `torch-glove-tokens-dropout`, the dropout-0.5 runs from
# the dropout-0.3 run of their backend, the `*-lr-*` runs from the dropout-0.5 run of
# their backend, the `*-seed-1` run from the run of its name without the seed), so the
# differences to it are the effects of
# those settings, on validation and on test data (the validation-by-movie run has a
# validation set of its own, so only its test difference compares):

# %%
base = load_run(ABLATIONS / 'torch-base')[1].summary()
for run in runs:
    summary = load_run(run)[1].summary()
    print(f"{run.name:46} valid {summary['valid_acc'] - base['valid_acc']:+.3f}  "
          f"test {summary['test_acc'] - base['test_acc']:+.3f}")

# %% [markdown]
# What each setting is:
#
# * **Tokenization** (`*-glove-tokens`): the book splits on whitespace, so `movie.`,
#   `Movie` and `movie` are three tokens and only the last has a GloVe 6B vector (GloVe
#   6B is lower-case and splits punctuation off). Lower-casing, dropping the `<br />`
#   markup and splitting off punctuation (`--tokenizer glove`) raises the share of token
#   occurrences with a vector (measured above). It raised the test accuracy by 0.022 in
#   PyTorch but by only 0.002 in MXNet (validation: +0.003 and +0.012). With one seed
#   per run, differences of 0.01 can be chance.
# * **Embedding** (`*-frozen`, `torch-xavier-embedding`): the book freezes the GloVe
#   vectors; we fine-tune them; random (Xavier) vectors show what GloVe is worth.
# * **Learning rate** (`torch-lr-1.5625e-4`): the seed's rate against the book's 0.01.
#   It is too small for 5 epochs: validation accuracy rose every epoch (0.772 after the
#   second, 0.847 after the fifth; test 0.839), while 0.01 peaks after two or three.
# * **Recurrence** (`*-book-recipe`): every review padded to 500 steps, as in the
#   book, against the masked fast path. In PyTorch the two recipes stayed within about
#   0.01 of each other at every epoch (one seed each, so no winner). In MXNet the book
#   recipe learned far more slowly: its outputs at step 499 must carry a review's
#   evidence across the padding, and Gluon's LSTM starts from smaller weights (uniform
#   in +-0.07) and zero biases than PyTorch's (+-0.1); the masked path reads each
#   review's own last token and trained as well as in PyTorch (notebook 04).
# * **Regularisation** (`*-dropout`, `*-wd-1e-5`): dropout 0.3 on the embedded tokens and
#   between the two LSTM layers (`--dropout 0.3`; no parameters, so the model contract
#   holds). In PyTorch it raised validation accuracy from 0.893 to 0.904 and test accuracy
#   from 0.875 to 0.881, the best PyTorch run at learning rate 0.01, though it still
#   overfits after the second epoch (test 0.861 after the fifth). In MXNet it raised
#   validation accuracy from 0.890 to 0.896 and test accuracy from 0.863 to 0.876.
#   Dropout 0.5
#   (`*-dropout-0.5`) overfits less (training accuracy after 5 epochs: MXNet 0.959
#   against 0.980, PyTorch 0.964 against 0.981). In MXNet it has the highest test
#   accuracy of any epoch at learning rate 0.01, 0.888 after the second, but validation hardly
#   tells epochs 2-5 apart (0.900, 0.902, 0.900, 0.905), picks the fifth, and the run
#   ends at test 0.871. In PyTorch dropout 0.5 did worse than 0.3 (validation
#   0.898 at best, after epoch 4; test 0.863). Weight
#   decay 1e-5 on top of it (`--weight-decay`: `1e-5 * w` added to each gradient inside
#   Adam) held training back (training accuracy 0.964 after 5 epochs against 0.981) but
#   lowered validation (0.894 at best, after the fifth epoch) and test accuracy (0.864).
#   Adam divides each gradient by its running size, so an L2 term added to the gradient
#   does not simply shrink the weights; decoupled weight decay (AdamW) would, and was not
#   tried.
# * **Learning rate with dropout 0.5** (`*-dropout-0.5-lr-*`, run on a newer CPU, so
#   their times compare only with each other): at 0.01 the model fits the training set
#   within two or three epochs and then overfits. Smaller rates learn more slowly and
#   overfit less (PyTorch, training accuracy after 5 epochs: 0.961 at 0.005, 0.937 at
#   0.003, 0.932 at 0.002, against 0.964 at 0.01), and validation accuracy peaks later.
#   At 0.002 it rose every epoch, to 0.908 after the fifth, with test accuracy 0.890;
#   the same settings with another seed (`*-seed-1`: another validation split, other
#   initial weights and minibatches) gave 0.906 and 0.892. In MXNet, 0.002 gave
#   validation 0.908 and test 0.890 (0.8897) after the fifth epoch, 0.003 gave 0.899 and
#   0.884, against 0.905 and 0.871 at 0.01. Validation still rose in the fifth epoch at
#   0.002: more epochs might help, but the recipe trains five.
# * **Epoch selection**: *test acc, last epoch* against *test acc* shows what choosing
#   the epoch on validation data is worth.
# * **Backend** (`mxnet-*`): the same model and data in Gluon.
# * **Validation against test**: validation accuracy (random split) is above test accuracy in every
#   fine-tuned run at learning rate 0.01 (by 0.017-0.037), hardly in the frozen run and
#   the slowly learning one (by 0.001 and 0.008). The validation reviews come
#   from the training set, so they are about the same movies as the training reviews;
#   the test reviews are about other movies (the dataset keeps the two sets' movies
#   apart), and fine-tuned embeddings can learn movie-specific words (titles, names).
#   A validation split by movie tests this (`--valid-split movie`: all the reviews of
#   movies drawn at random, 2,514 here; run `torch-glove-tokens-dropout-movie-valid`,
#   otherwise the settings of `torch-glove-tokens-dropout`). Its validation accuracy is
#   *below* test accuracy at every epoch (0.851 against 0.867 after the first, 0.828
#   against 0.853 after the fifth), where the random split's was above it. So reviews
#   of the training set's own movies are easier than reviews of new movies; that
#   validation by movie even falls below test may be chance (a few hundred movies make
#   a noisier sample than 2,500 independent reviews). It chose epoch 1 (test 0.867, the
#   run's best epoch); the random split chose epoch 2 in its run (0.881, against 0.883
#   after the first). The two runs hold out, and so train on, different reviews: their
#   test accuracies do not compare the two splits.
#
# One seed per setting, except the best setting (two): with 2,500 validation reviews
# (a standard error of about 0.006 on an accuracy near 0.9), differences of 0.005
# between runs are within noise. `make ablations` makes any run of the table that is
# missing.

# %% [markdown]
# ## Exercises
#
# 1. In which range of review lengths is the shipped model least accurate, and why might
#    the longest reviews be hardest for it?
# 2. What does the calibration figure say: when the model says 90%, is it right 90% of
#    the time? Compute the expected calibration error from the stored evaluation.
# 3. How large is the noise of one seed? Compare the two seeds of the preset's settings
#    in `docs/runs/ablations/`, and say which differences in the table above it makes
#    undecidable.
#
# Worked solutions: [the solutions notebook](solutions/05_results_solutions.ipynb).
