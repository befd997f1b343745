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
# # Solutions: the IMDb review dataset
#
# Worked answers to the exercises of [the dataset chapter](../01_imdb_data.ipynb). Each
# number is computed here from the data; `d2lsent.exercises` checks an answer the same way.

# %%
import numpy as np

from d2lsent import exercises, imdb

data = imdb.load_imdb(500)

# %% [markdown]
# ## 1. Settings that make training faster; padding at 250 steps
#
# The reviews are cut or padded to `num_steps`, and the book's model reads every position,
# padding included, so the cost of a minibatch grows with `num_steps`; a larger
# `batch_size` uses the CPU's vector units better. At 250 steps, the padding share is the
# share of positions beyond each review's (cut) length:

# %%
for num_steps in (100, 250, 500):
    lengths = np.minimum(data.train_num_tokens, num_steps)
    share = 1 - lengths.sum() / (len(lengths) * num_steps)
    print(f'{num_steps} steps: {share:.1%} of the positions are padding')
share_250 = 1 - np.minimum(data.train_num_tokens, 250).sum() / (25_000 * 250)
assert exercises.check_padding_share(share_250, num_steps=250)

# %% [markdown]
# Fewer steps mean less padding and a cheaper minibatch, but more reviews lose their end.
# The fast recipe of the model chapters avoids the trade-off: it batches reviews of
# similar length and reads each one only to its last token.
#
# ## 2. Reviews that lose their end

# %%
truncated = int((data.train_num_tokens > 500).sum())
print(f'{truncated:,} training reviews are longer than 500 tokens')
assert exercises.check_truncated(truncated)

# %% [markdown]
# ## 3. A vocabulary with `<pad>`

# %%
vocab = exercises.reserved_pad_vocab()
print(f"{len(vocab):,} tokens; '<pad>' is id {vocab['<pad>']}, '<unk>' is id {vocab['<unk>']}")
assert exercises.check_reserved_pad(len(vocab), vocab['<pad>'])

# %% [markdown]
# The vocabulary grows by one token, and, because the index is sorted alphabetically,
# every token after `<pad>` moves up by one id: a model trained with the book's vocabulary
# no longer fits it. The model gains an embedding row for padding alone. In the book's
# recipe the LSTM reads that row at every padded step, so it can learn what padding
# looks like instead of reading it as an unknown word; in the fast recipe padding is
# never read, so nothing changes but the ids.
