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
# # Solutions: the BiRNN in PyTorch
#
# Worked answers to the exercises of [the PyTorch chapter](../03_birnn_torch.ipynb), from
# the run folders in `docs/runs/` and the pretrained model: no training here.

# %%
import pathlib

import numpy as np
import torch

import d2lsent
from d2lsent import imdb
from d2lsent import torch as d2l
from d2lsent.results import load_run

RUNS = pathlib.Path(d2lsent.__file__).parents[1] / 'docs' / 'runs' / 'ablations'

# %% [markdown]
# ## 1. More epochs, other hyperparameters

# %%
for name in ('torch-base', 'torch-glove-tokens-dropout-0.5-lr-0.002',
             'torch-glove-tokens-dropout-0.5-lr-0.005', 'torch-lr-1.5625e-4'):
    config, history = load_run(RUNS / name)
    valid = history['valid_acc']
    print(f"{name:42} lr {config['lr']:<10} valid by epoch "
          f"{' '.join(f'{v:.3f}' for v in valid)}  best epoch {int(np.argmax(valid)) + 1}")

# %% [markdown]
# With the book's rate (0.01, `torch-base`) validation peaks within the first epochs and
# then falls while the training loss keeps falling: more epochs only overfit. With dropout
# 0.5 and rate 0.002 it is still rising at epoch 5, so more epochs could help there; a
# rate 64 times smaller learns too slowly for 5 epochs. Choose the epoch and the settings
# by validation, never by test.
#
# ## 2. Reading at step 499 or at the last token

# %% tags=["nbval-ignore-output"]
net, vocab, config = d2l.load_pretrained()
data = imdb.load_imdb(500, tokenizer=config.tokenizer)
short = np.flatnonzero(data.test_lengths < 100)[:8]
X = torch.from_numpy(np.ascontiguousarray(data.test_features[short]))
lengths = torch.from_numpy(data.test_lengths[short])
padded = d2l.predict_logits(net, X)  # the book's recipe: all 500 steps
masked = d2l.predict_logits(net, X, lengths)  # the fast recipe: each review's own length
p_padded = torch.softmax(torch.from_numpy(padded), 1)[:, 1].numpy()
p_masked = torch.softmax(torch.from_numpy(masked), 1)[:, 1].numpy()
for n, a, b in zip(data.test_lengths[short], p_padded, p_masked):
    print(f'{n:3} tokens: P(positive) read at step 499 {a:.3f}, at the last token {b:.3f}')
print('largest difference:', float(np.abs(p_padded - p_masked).max()))

# %% [markdown]
# For a short review the forward direction at step 499 has read 400 or more padding
# tokens after the text, and the backward direction at step 0 has read them first: the
# model trained on the fast recipe never saw padding, so its answers at step 499 differ.
# A model trained with the book's recipe learns to read through the padding instead.
#
# ## 3. Frozen or fine-tuned vectors

# %%
for name in ('torch-glove-tokens-frozen', 'torch-glove-tokens'):
    summary = load_run(RUNS / name)[1].summary()
    print(f"{name:28} valid {summary['valid_acc']:.3f}  test {summary['test_acc']:.3f} "
          f"(epoch {summary['selected_epoch']})")

# %% [markdown]
# The rows show what fine-tuning gives on validation and on test for one seed each; the
# results chapter's last exercise measures how much one seed moves them.
