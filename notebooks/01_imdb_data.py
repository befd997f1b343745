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
# # Sentiment Analysis and the Dataset
#
# *Sentiment analysis* asks whether a text praises or pans its subject. We treat it as
# text classification: a review of any length goes in, one of two labels comes out. This
# chapter follows *Dive into Deep Learning* (d2l.ai, release 1.0.3), Section 16.1
# "Sentiment Analysis and the Dataset", step by step and with its names: reading the
# dataset, preprocessing it (tokens, vocabulary, truncation and padding), data iterators,
# and `load_data_imdb`, which puts it all together. The data is Stanford's Large Movie
# Review Dataset (Maas et al., 2011): movie reviews from IMDb, each labelled *positive* or
# *negative*. Every helper comes from the package `d2lsent`, which the later chapters
# reuse; where it differs from the book, the text says how.

# %%
# %matplotlib inline
# Install d2lsent where this kernel lacks it (on Colab, for example): the PyTorch chapter.
import importlib.util, os, subprocess, sys
if importlib.util.find_spec('d2lsent') is None:
    source = os.environ.get('D2LSENT_SOURCE', 'git+https://github.com/d2lsent/d2lsent')
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--quiet', source], check=True)

# %%
import inspect

import numpy as np
from IPython.display import Markdown
from matplotlib import pyplot as plt

from d2lsent import download, imdb
from d2lsent import torch as d2l

# The backend's process-wide settings (a cap on oneDNN's cache of compiled LSTM kernels),
# made once by an explicit call rather than as a side effect of the import.
d2l.setup()

# %% [markdown]
# ## Reading the Dataset
#
# The book downloads the archive `aclImdb_v1.tar.gz` from its own bucket and checks it
# against a SHA-1 hash. `d2lsent` keeps the same address and hash in a small registry,
# together with the names under which an offline mirror (the folder named by
# `D2LSENT_MIRROR`) may hold the archive: the book's own, or `aclImdb_v1-labeled.tar.gz`,
# this project's repack of the labelled reviews for machines without network access,
# pinned by its SHA-256.

# %%
download.RESOURCES['aclImdb']

# %% [markdown]
# `download_extract` looks in the cache folder first, then in the mirror, and only then
# downloads. Every copy is checked against its pinned hash before it is used, and nothing
# half-written ever lands in the cache: files are written under a temporary name and
# renamed when complete, and the extracted folder counts only once it holds the marker
# `.d2lsent-complete`, written last (`docs/data.md` lists what else is refused).

# %% tags=["nbval-ignore-output"]
# The first call extracts the archive (a progress bar counts its files); later calls find
# the folder in the cache and return at once.
data_dir = download.download_extract('aclImdb')
data_dir.relative_to(download.cache_dir())

# %% [markdown]
# The marker holds the SHA-256 of the archive the folder was extracted from, so we can
# tell which of the two archives this machine used, and look at what it unpacked.

# %% tags=["nbval-ignore-output"]
resource = download.RESOURCES['aclImdb']
extracted_from = {sha256: name for name, sha256 in resource.repacks}.get(
    (data_dir / download.MARKER).read_text().strip(), resource.filename)
num_files = sum(path.is_file() for path in data_dir.rglob('*'))
print('extracted from:', extracted_from)
print(f'files: {num_files:,}')
print('train/:', sorted(path.name for path in (data_dir / 'train').iterdir()))

# %%
assert extracted_from in resource.mirror_names
assert {'pos', 'neg'} <= {path.name for path in (data_dir / 'train').iterdir()}

# %% [markdown]
# The cell names the archive it found. The book's archive, `aclImdb_v1.tar.gz`, also
# holds unlabelled reviews for unsupervised learning (`train/unsup`) and the reviews as
# bags of words (`*.feat` files); neither the book nor this chapter reads them.
# `aclImdb_v1-labeled.tar.gz` leaves them out and so holds fewer files; its review files
# are byte for byte those of the book's archive and its folders are laid out the same
# way, so all that follows is the same for both.
#
# Each review is a small text file in `pos/` or `neg/`, named by the review's number and
# its rating out of 10. The ratings show where the labels come from: positive reviews
# rated the film highly, negative ones poorly, and reviews rated in between are in
# neither split.

# %%
ratings = {label: sorted({int(name.stem.split('_')[1])
                          for split in ('train', 'test')
                          for name in (data_dir / split / label).iterdir()})
           for label in ('pos', 'neg')}
ratings

# %%
assert max(ratings['neg']) < min(ratings['pos'])

# %% [markdown]
# `read_imdb` reads one split. As in the book, positive reviews come first, newlines are
# dropped, and the label is 1 for positive, 0 for negative. Unlike the book, the files
# are read in sorted order, so every machine sees the same sequence (the book's
# `os.listdir` order varies), and an unreadable or empty review is an error that says what
# to do.

# %%
print(inspect.getsource(d2l.read_imdb))

# %%
train_data = d2l.read_imdb(data_dir, is_train=True)
test_data = d2l.read_imdb(data_dir, is_train=False)
print('# trainings:', len(train_data[0]), ' positive:', sum(train_data[1]))
print('# tests:', len(test_data[0]), ' positive:', sum(test_data[1]))
for x, y in zip(train_data[0][:3], train_data[1][:3]):
    print('label:', y, 'review:', x[:60])

# %%
assert len(train_data[0]) == len(test_data[0])
assert 2 * sum(train_data[1]) == len(train_data[0])
assert 2 * sum(test_data[1]) == len(test_data[0])

# %% [markdown]
# Both splits are equally large, and in each, half of the reviews are positive.
#
# ## Preprocessing the Dataset
#
# ### Tokens
#
# As the book does, we treat every word as a token and split each review on whitespace.
# That is simple, but see what it keeps: case (`The` and `the` are different tokens),
# punctuation glued to words (`film.`), and the HTML line breaks `<br />` of the reviews,
# which whitespace cuts into pieces, some glued to the words around them.

# %%
d2l.tokenize(['A fine film.<br /><br />The end.'], token='word')

# %%
train_tokens = d2l.tokenize(train_data[0], token='word')
print(train_tokens[1][:16])

# %% [markdown]
# ### The vocabulary
#
# The vocabulary maps every token seen at least 5 times in the training reviews to an
# index; rarer tokens map to `<unk>`. The book's section first builds it with
# `reserved_tokens=['<pad>']`, but its `load_data_imdb`, which feeds the model of
# Section 16.2, builds it without, and so do we. As in the book's package, the index is sorted
# alphabetically, so `<unk>` is not index 0, and with no `<pad>` token, looking up `<pad>`
# gives the index of `<unk>`: padding is read as an unknown word.

# %%
vocab = d2l.Vocab(train_tokens, min_freq=5)
print(f'vocabulary size: {len(vocab):,}')
print("index of '<unk>':", vocab.unk, " index of '<pad>':", vocab['<pad>'])
print('most frequent:', vocab.token_freqs[:8])

# %%
assert vocab['<pad>'] == vocab.unk and vocab.idx_to_token == sorted(vocab.idx_to_token)
ids = vocab[['This', 'movie', 'is', 'great']]
ids, vocab.to_tokens(ids)

# %% [markdown]
# ### How long are the reviews?
#
# A minibatch needs sequences of one length. The book sets every review to 500 tokens:
# longer ones are cut, shorter ones padded. The histogram shows what that means.

# %%
lengths = np.array([len(line) for line in train_tokens])
print(f'mean {lengths.mean():.1f}, median {np.median(lengths):.0f}, '
      f'max {lengths.max()}, min {lengths.min()} tokens')

# %%
fig, ax = plt.subplots(figsize=(6, 3))
ax.hist(lengths, bins=np.arange(0, 1300, 20))
ax.axvline(500, color='C3', linestyle='--', label='num_steps = 500')
ax.set_xlabel('# tokens per review')
ax.set_ylabel('count')
ax.legend()
plt.show()

# %% [markdown]
# The reviews have very different lengths, and most are far shorter than 500 tokens. Let
# us count what truncation removes and what padding adds. A recurrent network reads every
# position of its input, padding included.

# %%
num_steps = 500  # sequence length
kept = np.minimum(lengths, num_steps)
long_share = (lengths > num_steps).mean()
cut_share = 1 - kept.sum() / lengths.sum()
padding_share = 1 - kept.sum() / (num_steps * len(lengths))
print(f'reviews longer than {num_steps} tokens: {long_share:.1%}')
print(f'tokens cut by truncation: {cut_share:.1%}')
print(f'positions that are padding: {padding_share:.1%}')

# %%
assert np.median(lengths) < num_steps / 2
assert long_share < 0.1 and cut_share < 0.1 and padding_share > 0.5

# %% [markdown]
# Truncation at 500 touches few reviews and little of the text; padding fills more than
# half of the positions with a token that carries no meaning. `truncate_pad` does the
# cutting and padding for one review:

# %%
d2l.truncate_pad(vocab[['A', 'fine', 'film']], 6, vocab['<pad>'])

# %% [markdown]
# The book applies it to every training review and stacks the results into
# `train_features`. `imdb.load_imdb` does that for both splits in one call, and returns the
# padded token ids as `int32` arrays (the book's `torch.tensor` of Python integers is
# `int64`), with the labels and the real length of every review. It keeps the token ids
# on disk beside the data, so a later call, even in another process, only pads them again.

# %%
data = imdb.load_imdb(num_steps=500)
print(data.train_features.shape, data.train_features.dtype,
      data.test_features.shape, data.train_labels[:3], data.train_lengths[:3])

# %%
book_row = d2l.truncate_pad(vocab[train_tokens[0]], num_steps, vocab['<pad>'])
assert data.vocab.idx_to_token == vocab.idx_to_token
assert data.train_features[0].tolist() == book_row

# %% [markdown]
# ## Creating Data Iterators
#
# `load_array` turns the arrays into an iterator of minibatches of PyTorch tensors, drawn
# in a new random order every epoch (from a seed, so that runs repeat). As in the book,
# the last minibatch may be smaller.

# %%
train_iter = d2l.load_array((data.train_features, data.train_labels), 64)
for X, y in train_iter:
    print('X:', X.shape, ', y:', y.shape)
    break
print('# batches:', len(train_iter))

# %% [markdown]
# ## Putting It All Together
#
# `load_data_imdb` wraps up the steps above, as in the book, and returns the training
# and test iterators and the vocabulary. The order of the examples is drawn from the seed
# by `d2lsent`'s own code, not by the framework, so every backend sees the same
# minibatches ([chapter 04](04_birnn_mxnet.ipynb) compares them with Gluon's).

# %%
print(inspect.getsource(imdb.load_data_imdb))

# %%
train_iter, test_iter, vocab = d2l.load_data_imdb(batch_size=64)
for X_all, y_all in train_iter:
    print('X:', tuple(X_all.shape), X_all.dtype, ' y:', tuple(y_all.shape), y_all.dtype)
    break
print('# batches:', len(train_iter), ' the same first minibatch as load_array:',
      bool((X_all == X).all()))

# %% [markdown]
# ## Summary

# %%
Markdown(f"""
* Sentiment analysis is a text classification problem: a review of any length in, a label
  out. The IMDb dataset has {len(train_data[0]):,} training and {len(test_data[0]):,} test
  reviews; in each split, half are positive.
* Whitespace tokens seen at least 5 times give the book's vocabulary of {len(vocab):,}
  tokens; they keep case, punctuation and the reviews' HTML line breaks.
* Reviews have {lengths.mean():.0f} tokens on average (median {np.median(lengths):.0f}). Set
  to {num_steps} tokens, {long_share:.1%} of the training reviews lose their end and
  {padding_share:.1%} of the positions are padding.
* `load_data_imdb` returns minibatches of token ids, of shape
  ({X_all.shape[0]}, {X_all.shape[1]}), with their labels, and the vocabulary.
""")

# %% [markdown]
# ## Exercises
#
# 1. Which settings of this section could we change to make training faster? (The book
#    asks this.) One is `num_steps`: what share of the positions of the training features
#    is padding at 250 steps? Check your answer with
#    `exercises.check_padding_share(share, num_steps=250)`
#    (`from d2lsent import exercises`).
# 2. What does 250 steps cost? Count the training reviews that lose their end at 250
#    steps. Check: `exercises.check_truncated(count, num_steps=250)`.
# 3. Build the vocabulary as the book's section first does, with
#    `reserved_tokens=['<pad>']`: how many tokens does it hold, and what are the ids of
#    `<pad>` and `<unk>`? What changes for a model trained on it? Check:
#    `exercises.check_reserved_pad(size, pad_id)`.
#
# Worked solutions: [the solutions notebook](solutions/01_imdb_data_solutions.ipynb).
