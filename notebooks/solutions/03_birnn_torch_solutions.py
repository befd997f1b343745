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
# # Solutions: Sentiment Analysis Using RNNs (PyTorch)
#
# Worked answers to the exercises of [the PyTorch chapter](../03_birnn_torch.ipynb), from
# the run folders in the repository's `docs/runs/` and the model that ships with
# `d2lsent`: no training here.

# %%
# %matplotlib inline
# Install d2lsent where this kernel lacks it (on Colab, for example): the PyTorch chapter.
import importlib.util, os, subprocess, sys
if importlib.util.find_spec('d2lsent') is None:
    source = os.environ.get('D2LSENT_SOURCE', 'git+https://github.com/d2lsent/d2lsent')
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--quiet', source], check=True)

# %%
import math
import pathlib

import numpy as np
import torch
from IPython.display import Markdown
from matplotlib import pyplot as plt

import d2lsent
from d2lsent import imdb
from d2lsent import torch as d2l
from d2lsent.plot import plot_history
from d2lsent.prediction import softmax
from d2lsent.results import load_run

# Process-wide settings (a cap on oneDNN's kernel cache): an explicit call, not an import's.
d2l.setup()

RUNS = pathlib.Path(d2lsent.__file__).parents[1] / 'docs' / 'runs'
assert RUNS.is_dir(), ('The records of earlier runs are in the repository (docs/runs/), not '
                       'in the installed package: clone it to run these solutions.')

# %% [markdown]
# ## 1. More epochs
#
# The run `torch-8-epochs-intel-2026-12-01` trained the preset `best` (GloVe-style
# tokens, the embedding fine-tuned, dropout 0.5, Adam at 0.002, `keep_best_epoch` on)
# for 8 epochs instead of 5, on a CPU (its `machine` is printed below). Its settings, then
# one line per epoch:

# %%
settings, history = load_run(RUNS / 'torch-8-epochs-intel-2026-12-01')
print({k: settings[k] for k in ('preset', 'num_epochs', 'tokenizer', 'freeze_embedding',
                                'dropout', 'lr', 'keep_best_epoch', 'machine')})
for r in history.records:
    print(f"epoch {r['epoch']}: loss {r['train_loss']:.3f}, train acc {r['train_acc']:.3f}, "
          f"valid acc {r['valid_acc']:.4f}, test acc {r['test_acc']:.4f}")
fig = plot_history(history, figsize=(8, 3))
plt.show()

# %%
best = history.best_epoch()
chosen, last = history.records[best - 1], history.records[-1]
standard_error = math.sqrt(chosen['test_acc'] * (1 - chosen['test_acc']) / 25_000)
top = int(np.argmax(history['test_acc'])) + 1  # best on test: not a choice we may make
dip = int(np.argmin(history['valid_acc'])) + 1
book_settings, book_history = load_run(RUNS / 'ablations-h200-2026-12-04' / '1-book-setup')
book_test = book_history['test_acc'][-1]
# What the text below says of the recorded run.
assert np.all(np.diff(history['train_loss']) < 0) and 1 < dip < best < len(history.records)
assert last['valid_acc'] < chosen['valid_acc'] and top != best
Markdown(f"""
The training loss falls in every epoch, from {history['train_loss'][0]:.3f} to
{last['train_loss']:.3f}, and the training accuracy rises to {last['train_acc']:.3f}.
The validation accuracy peaks at epoch {best} ({chosen['valid_acc']:.4f}); this is the
epoch `keep_best_epoch` keeps, and the run ends with its parameters: test accuracy
{chosen['test_acc']:.4f}. After it the model keeps fitting the training reviews while
the validation accuracy falls to {last['valid_acc']:.4f} and the test accuracy, at the
last epoch, is {last['test_acc']:.4f}. The path is not smooth either: at epoch {dip} the
validation accuracy drops to {history['valid_acc'][dip - 1]:.4f} before recovering, one
more reason to choose the epoch on validation rather than to keep whichever comes last.

The highest test accuracy of any epoch, {history['test_acc'][top - 1]:.4f} at epoch
{top}, may not be chosen: an epoch picked by its test accuracy would make that accuracy
an optimistic estimate. What choosing on validation gave up here,
{history['test_acc'][top - 1] - chosen['test_acc']:.4f}, is
{(history['test_acc'][top - 1] - chosen['test_acc']) / standard_error:.1f} times the
standard error of one accuracy on 25,000 reviews ({standard_error:.4f}).

So more epochs help while the validation accuracy still rises (here up to epoch {best},
later than the 5 epochs of the chapter) and only fit the training reviews after that;
with `keep_best_epoch` extra epochs cost time but do not leave the model in the
overfitted epochs. As for other hyperparameters: this run's (the preset `best`) reach
{chosen['test_acc']:.3f}, where the book's settings reached {book_test:.3f}
(`1-book-setup`). The two runs also differ in their machine, this one on a CPU
({settings['machine'].split(' (')[0]}), `1-book-setup` on a GPU ({book_settings['devices']}),
and each is one seed; the chapter `05_results` changes the settings one at a time, on one
machine.
""")

# %% [markdown]
# ## 2. Reading at step 499 or at the last token
#
# The shipped model reads eight short test reviews (fewer than 100 tokens; four positive,
# four negative) twice: padded to 500 steps and read at steps 0 and 499, as the book's
# model does, and read at each review's own first and last token, as it was trained.

# %% tags=["nbval-ignore-output"]
net, vocab, config = d2l.load_pretrained()
data = imdb.load_imdb(500, tokenizer=config.tokenizer)
short = np.concatenate([np.flatnonzero((data.test_lengths < 100) &
                                       (data.test_labels == label))[:4] for label in (1, 0)])
X = torch.from_numpy(np.ascontiguousarray(data.test_features[short]))
lengths = torch.from_numpy(data.test_lengths[short])
p_padded = softmax(d2l.predict_logits(net, X))[:, 1]  # the book's recipe: all 500 steps
p_masked = softmax(d2l.predict_logits(net, X, lengths))[:, 1]  # each review's own length
for n, label, a, b in zip(data.test_lengths[short], data.test_labels[short], p_padded, p_masked):
    print(f'{int(n):3} tokens, label {int(label)}: P(positive) read at step 499 {float(a):.3f}, '
          f'at the last token {float(b):.3f}')
difference = np.abs(p_padded - p_masked)

# %%
assert len(short) == 8 and float(difference.max()) > 0.01

# %% tags=["nbval-ignore-output"]
correct = [int(((p > 0.5) == data.test_labels[short]).sum()) for p in (p_padded, p_masked)]
Markdown(f"""
The two readings of the same review with the same weights differ by
{float(difference.mean()):.3f} on average and up to {float(difference.max()):.3f} in
probability; read at its last token the model labels {correct[1]} of the 8 reviews
correctly, read at step 499 {correct[0]}, calling {int((p_padded > 0.5).sum())} of the 8
positive.
""")

# %% [markdown]
# For a review of fewer than 100 tokens, the forward direction at step 499 has read 400
# padding tokens or more after the text, and the backward direction at step 0 has read
# them before it. This model was trained with the fast recipe and never saw padding, so
# what it makes of the padded reading is not what it learned. A model trained with the
# book's recipe learns to read through the padding instead, which costs it the steps
# spent on padding.
#
# ## 3. A better tokenizer
#
# First, what the two runs' settings are, and that they differ in the tokenizer only
# (besides the machine and the date).

# %%
ABLATIONS = RUNS / 'ablations-h200-2026-12-04'
runs = {name: load_run(ABLATIONS / name) for name in ('3-fast-recipe', '4-glove-tokens')}
(book_settings, book_tokens), (glove_settings, glove_tokens) = runs.values()
differ = {k: (book_settings[k], glove_settings[k]) for k in book_settings
          if k != 'machine' and book_settings[k] != glove_settings[k]}
print('settings that differ:', differ)
for name, (_, h) in runs.items():
    print(f"{name:15} valid acc {h['valid_acc'][-1]:.4f}, test acc {h['test_acc'][-1]:.4f} "
          f"(epoch {h['epoch'][-1]})")

# %%
assert differ == {'tokenizer': ('book', 'glove')}

# %%
gain = {key: glove_tokens[key][-1] - book_tokens[key][-1] for key in ('valid_acc', 'test_acc')}
p = book_tokens['test_acc'][-1]
noise = math.sqrt(2) * math.sqrt(p * (1 - p) / 25_000)  # of a difference of two accuracies
Markdown(f"""
With GloVe's tokens the validation accuracy changes by {gain['valid_acc']:+.4f} (on 2,500
reviews) and the test accuracy by {gain['test_acc']:+.4f} (on 25,000). The standard
error of one test accuracy is about {math.sqrt(p * (1 - p) / 25_000):.4f}, that of a
difference between two runs' about √2 times it, {noise:.4f}: the test gain is
{gain['test_acc'] / noise:.1f} standard errors. That is more than chance alone would
often give, but it comes from one seed per setting, and a seed moves a whole run (its
initial weights and its order of minibatches), not only the test sample: the chapter
`05_results` compares runs with several seeds and with a paired test on the same test
reviews. Why GloVe's tokens help: the book's whitespace tokens keep case and punctuation
(`Great`, `movie!`), so far fewer of them have a GloVe vector (chapter `02_glove`,
exercise 1).
""")
