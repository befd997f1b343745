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
# # The IMDb review dataset
#
# Sentiment analysis asks whether a piece of text is positive or negative. We use the
# Large Movie Review Dataset of Maas et al. (2011): 50,000 movie reviews from IMDb, each
# labelled *positive* (a rating of 7 or more out of 10) or *negative* (4 or less), split
# evenly into 25,000 reviews for training and 25,000 for testing.
#
# This notebook follows the data from the archive to the minibatches a model reads:
# fetching, reading, tokenization, the vocabulary, and truncation and padding to 500
# tokens. Every helper comes from the package `d2lsent`, which the later notebooks reuse.

# %%
# %matplotlib inline
import inspect

import numpy as np
from matplotlib import pyplot as plt

from d2lsent import download, imdb, text

# %% [markdown]
# ## Fetching the data
#
# The archive is listed in a small registry with its address and SHA-1 hash, taken from
# the book's own `d2l` package. `download_extract` looks in the cache folder first, then in
# an offline mirror (the folder named by `D2LSENT_MIRROR`), and only then downloads. Every
# copy is checked against a hash that the registry pins before it is used, and nothing
# half-written ever lands in the cache: files are written under a temporary name and
# renamed when complete, and the extracted folder counts only once it holds the marker
# `.d2lsent-complete`, written last (`docs/data.md` lists what else is refused).

# %%
download.RESOURCES['aclImdb']

# %% tags=["nbval-ignore-output"]
# The first call extracts about 50,000 files (a progress bar shows it); later calls find
# the folder in the cache and return at once.
data_dir = download.download_extract('aclImdb')
data_dir.relative_to(download.cache_dir())

# %%
sorted(p.name for p in data_dir.iterdir()), sorted(p.name for p in (data_dir / 'train').iterdir())

# %% [markdown]
# ## Reading the reviews
#
# Each review is a small text file in `pos/` or `neg/`. `read_imdb` reads one split; as in
# the book, positive reviews come first and newlines are dropped. Unlike the book, the
# files are read in sorted order, so every machine sees the same sequence.

# %%
print(inspect.getsource(imdb.read_imdb))

# %%
train_data = imdb.read_imdb(data_dir, is_train=True)
test_data = imdb.read_imdb(data_dir, is_train=False)
print('# training reviews:', len(train_data[0]), ' positive:', sum(train_data[1]))
print('# test reviews:', len(test_data[0]), ' positive:', sum(test_data[1]))

# %%
for x, y in zip(train_data[0][:3], train_data[1][:3]):
    print('label:', y, 'review:', x[:70])

# %%
assert len(train_data[0]) == len(test_data[0]) == 25_000
assert sum(train_data[1]) == sum(test_data[1]) == 12_500

# %% [markdown]
# ## Tokenization and the vocabulary
#
# The book splits each review on whitespace. That is simple, but note what it keeps:
# case (`The` and `the` are different tokens), punctuation glued to words (`film.`), and
# the HTML line breaks of the reviews, which split into tokens such as `/><br`.

# %%
train_tokens = text.tokenize(train_data[0])
print(train_tokens[1][:24])

# %% [markdown]
# The vocabulary maps every token seen at least 5 times in the training reviews to an
# index; rarer tokens map to `<unk>`. As in the book's package, the index is sorted
# alphabetically, so `<unk>` is not index 0, and no separate `<pad>` token is reserved:
# padding uses the `<unk>` index.

# %%
vocab = text.Vocab(train_tokens, min_freq=5)
print('vocabulary size:', len(vocab))
print("index of '<unk>':", vocab.unk, " index of '<pad>':", vocab['<pad>'])
print('most frequent:', vocab.token_freqs[:8])

# %%
assert len(vocab) == 49_346
ids = vocab[['This', 'movie', 'is', 'great']]
ids, vocab.to_tokens(ids)

# %% [markdown]
# ## How long are the reviews?
#
# A minibatch needs sequences of one length. The book truncates every review to 500
# tokens and pads shorter ones. The histogram shows what that means.

# %%
lengths = np.array([len(line) for line in train_tokens])
print(f'mean {lengths.mean():.1f}, median {np.median(lengths):.0f}, '
      f'max {lengths.max()}, min {lengths.min()} tokens')

# %%
fig, ax = plt.subplots(figsize=(6, 3))
ax.hist(lengths, bins=np.arange(0, 1300, 20))
ax.axvline(500, color='C3', linestyle='--', label='num_steps = 500')
ax.set_xlabel('# tokens per review')
ax.set_ylabel('# reviews')
ax.legend()
plt.show()

# %% [markdown]
# Truncation at 500 touches few reviews but cuts a noticeable share of the text; padding
# to 500 fills more than half of every minibatch with a token that carries no meaning.
# A recurrent network still reads every padded position, which is why the book's recipe
# is slow on a CPU.

# %%
num_steps = 500
kept = np.minimum(lengths, num_steps)
print(f'reviews longer than {num_steps} tokens: {(lengths > num_steps).mean():.1%}')
print(f'tokens cut by truncation: {1 - kept.sum() / lengths.sum():.1%}')
print(f'positions that are padding: {1 - kept.sum() / (num_steps * len(lengths)):.1%}')

# %% [markdown]
# `truncate_pad` does this for one review:

# %%
text.truncate_pad(vocab[['A', 'fine', 'film']], 6, vocab['<pad>'])

# %% [markdown]
# ## The padded arrays
#
# `imdb.load_imdb` runs all of the above in one call (the result is cached in memory)
# and returns the padded token ids of both splits as `int32` arrays, with the labels and
# the real length of every review.

# %%
data = imdb.load_imdb(num_steps=500)
print(data.train_features.shape, data.train_features.dtype,
      data.test_features.shape, data.train_labels[:3], data.train_lengths[:3])

# %%
assert data.vocab.idx_to_token == vocab.idx_to_token
assert (data.train_features[0, :5] == vocab[train_tokens[0][:5]]).all()

# %% [markdown]
# ## Minibatches in PyTorch and in MXNet
#
# Both backends expose the book's `load_data_imdb`. The order of the examples is drawn by
# the shared data layer from a seed, so both frameworks see identical minibatches; only
# the tensor type differs. Token ids stay integers (the book's MXNet version turns them
# into `float32`).

# %%
from d2lsent import mxnet as d2l_mxnet
from d2lsent import torch as d2l_torch

train_iter, test_iter, vocab = d2l_torch.load_data_imdb(batch_size=64)
for X, y in train_iter:
    print('PyTorch  X:', tuple(X.shape), X.dtype, ' y:', tuple(y.shape), y.dtype)
    break
print('# batches:', len(train_iter))

# %%
mx_train_iter, _, _ = d2l_mxnet.load_data_imdb(batch_size=64)
for X_mx, y_mx in mx_train_iter:
    print('MXNet    X:', X_mx.shape, X_mx.dtype, ' y:', y_mx.shape, y_mx.dtype)
    break
print('same token ids in the first batch:', bool((X_mx.asnumpy() == X.numpy()).all()))

# %% [markdown]
# ## Summary
#
# * The IMDb dataset has 25,000 training and 25,000 test reviews, half of them positive.
# * Whitespace tokenization with `min_freq=5` gives the book's vocabulary of 49,346 tokens.
# * Reviews average about 234 tokens (median 174); padding to 500 makes more than half of
#   each minibatch padding.

# %% [markdown]
# ## Exercises
#
# 1. Which settings of this section could make training faster? (The book asks this.)
#    One of them is `num_steps`: what share of the positions of the training features is
#    padding at 250 steps? Check your answer with
#    `exercises.check_padding_share(share, num_steps=250)` (`from d2lsent import exercises`).
# 2. How many training reviews are longer than 500 tokens, so that the book's model never
#    reads their end? Check: `exercises.check_truncated(count)`.
# 3. The book's vocabulary has no `<pad>` token, so padding is `<unk>`. Build it with
#    `reserved_tokens=['<pad>']`: how many tokens does it hold, and what is the id of
#    `<pad>`? What changes for a model trained on it? Check:
#    `exercises.check_reserved_pad(size, pad_id)`.
#
# Worked solutions: [the solutions notebook](solutions/01_imdb_data_solutions.ipynb).
