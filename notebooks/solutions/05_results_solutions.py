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
# # Solutions: the results chapter
#
# Worked answers to the exercises of [the results chapter](../05_results.ipynb), from the
# shipped model's stored evaluation (`docs/runs/pretrained/`) and the run folders.

# %%
import json
import pathlib

import numpy as np

import d2lsent

from d2lsent.results import load_run

DOCS = pathlib.Path(d2lsent.__file__).parents[1] / 'docs' / 'runs'
report = json.loads((DOCS / 'pretrained' / 'evaluation.json').read_text())

# %% [markdown]
# ## 1. Accuracy by review length

# %%
for row in report['by_length']:
    print(f"{row['bucket']:>8} tokens: {row['reviews']:6,} reviews, accuracy {row['accuracy']:.3f}")
worst = min(report['by_length'], key=lambda row: row['accuracy'])
print('least accurate:', worst['bucket'])

# %% [markdown]
# The model reads at most 500 tokens, so for the longest reviews it never sees the end,
# where a reviewer often sums up; and the outputs at the first and last token must carry
# a long text through the LSTM's state.
#
# ## 2. Calibration

# %%
bins = [b for b in report['calibration'] if b['reviews']]
for b in bins:
    print(f"confidence {b['confidence']:.3f}: right {b['accuracy']:.3f} of {b['reviews']:,}")
weights = np.array([b['reviews'] for b in bins])
gaps = np.array([abs(b['confidence'] - b['accuracy']) for b in bins])
ece = float((weights * gaps).sum() / weights.sum())
print(f'expected calibration error: {ece:.4f} (stored: {report["expected_calibration_error"]:.4f})')
assert abs(ece - report['expected_calibration_error']) < 1e-9

# %% [markdown]
# ## 3. The noise of one seed

# %%
runs = DOCS / 'ablations'
pair = [load_run(runs / name)[1].summary() for name in
        ('torch-glove-tokens-dropout-0.5-lr-0.002', 'torch-glove-tokens-dropout-0.5-lr-0.002-seed-1')]
for key in ('valid_acc', 'test_acc'):
    print(f'{key}: {pair[0][key]:.4f} and {pair[1][key]:.4f}, '
          f'difference {abs(pair[0][key] - pair[1][key]):.4f}')

# %% [markdown]
# Two seeds of one setting differ by about this much, and a validation accuracy on 2,500
# reviews has a standard error near 0.006: differences of that size in the table of the
# chapter cannot be told from noise.
