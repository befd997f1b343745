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
# # Solutions: Sentiment Analysis and the Dataset
#
# Worked answers to the exercises of [the dataset chapter](../01_imdb_data.ipynb). Each
# answer is computed here from the data first; only then does a check of
# `d2lsent.exercises` compare it with its own count.

# %%
# %matplotlib inline
# Install d2lsent where this kernel lacks it (on Colab, for example): the PyTorch chapter.
import importlib.util, os, subprocess, sys
if importlib.util.find_spec('d2lsent') is None:
    source = os.environ.get('D2LSENT_SOURCE', 'git+https://github.com/d2lsent/d2lsent')
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--quiet', source], check=True)

# %%
import collections

import numpy as np
from IPython.display import Markdown

from d2lsent import exercises, imdb, text

data = imdb.load_imdb(num_steps=500)

# %% [markdown]
# ## 1. Settings that make training faster; padding at 250 steps
#
# The settings of the section are `num_steps` (the length every review is cut or padded
# to), `batch_size`, and `min_freq` (how often a token must occur to enter the
# vocabulary). The book's model reads every position of its input, padding included, so
# the work of an epoch grows with the number of positions, training reviews times
# `num_steps`. At 250 steps, the padding share is the share of positions beyond each
# review's length, cut to 250; `load_imdb` returns those lengths with the features.

# %%
shares = {}
for num_steps in (100, 250, 500):
    padded = imdb.load_imdb(num_steps=num_steps)
    shares[num_steps] = 1 - padded.train_lengths.sum() / padded.train_features.size
    print(f'{num_steps} steps: {padded.train_features.size:,} positions, '
          f'{shares[num_steps]:.1%} of them padding')

# %%
assert exercises.check_padding_share(shares[250], num_steps=250)

# %%
counts = collections.Counter(dict(data.vocab.token_freqs))  # every training token's count
vocab_sizes = {min_freq: len(text.Vocab(counts, min_freq=min_freq))
               for min_freq in (5, 10, 20)}
vocab_sizes

# %%
Markdown(f"""
Halving `num_steps` from 500 to 250 halves the positions of an epoch and takes the
padding share from {shares[500]:.1%} to {shares[250]:.1%}. The other two settings change
other costs: a larger `batch_size` means fewer, larger minibatches per epoch, which a
CPU's vector units or a GPU process in parallel (it also changes how the model learns);
a larger `min_freq` shrinks the vocabulary ({vocab_sizes[5]:,} tokens at 5,
{vocab_sizes[20]:,} at 20) and with it the embedding matrix that the optimiser updates at
every step, at the price of more words read as `<unk>`.
""")

# %% [markdown]
# ## 2. What 250 steps cost

# %%
truncated = {num_steps: int((data.train_num_tokens > num_steps).sum())
             for num_steps in (250, 500)}
truncated

# %%
assert exercises.check_truncated(truncated[250], num_steps=250)

# %%
Markdown(f"""
At 250 steps, {truncated[250]:,} of the {len(data.train_num_tokens):,} training reviews
lose their end, against {truncated[500]:,} at 500: fewer steps mean less padding and a
cheaper minibatch, but for more reviews the model never reads the last words. Chapter 03
avoids the trade-off: it keeps 500 steps, but pads each minibatch only to its longest
review (minibatches of reviews of similar length) and has the LSTM stop at each review's
last token.
""")

# %% [markdown]
# ## 3. A vocabulary with `<pad>`
#
# The vocabulary keeps the count of every token of the training reviews (`token_freqs`,
# rare ones included: the `counts` of exercise 1), so the book's first vocabulary can be
# built from those counts without tokenizing the reviews again.

# %%
assert sum(counts.values()) == data.train_num_tokens.sum()  # every training token counted
vocab_pad = text.Vocab(counts, min_freq=5, reserved_tokens=['<pad>'])
moved = sum(vocab_pad[token] != data.vocab[token] for token in data.vocab.idx_to_token)
print(f"{len(vocab_pad):,} tokens (without '<pad>': {len(data.vocab):,}); "
      f"'<pad>' is id {vocab_pad['<pad>']}, '<unk>' is id {vocab_pad['<unk>']} "
      f"(was {data.vocab['<unk>']}); {moved:,} tokens have a new id")

# %%
assert exercises.check_reserved_pad(len(vocab_pad), vocab_pad['<pad>'])

# %%
assert len(vocab_pad) == len(data.vocab) + 1 and vocab_pad['<pad>'] != vocab_pad['<unk>']
assert all(vocab_pad[t] == data.vocab[t] + 1
           for t in data.vocab.idx_to_token if t > '<pad>')  # sorted after '<pad>': one up
assert all(vocab_pad[t] == data.vocab[t] for t in data.vocab.idx_to_token if t < '<pad>')

# %% [markdown]
# The vocabulary grows by one token. Because the index is sorted alphabetically, `<pad>`
# takes its place in the order and every token sorted after it moves up by one id, so a
# model trained with the book's vocabulary reads the wrong embedding rows with this one.
# The model gains an embedding row for padding alone: a model that reads every padded
# position, as the book's does, can learn what padding looks like instead of reading it as
# an unknown word. In chapter 03's training the LSTM stops at each review's last token,
# so padding never reaches the prediction, and the new row changes nothing but the ids.
