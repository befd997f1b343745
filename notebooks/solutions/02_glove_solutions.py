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
# # Solutions: pretrained word vectors
#
# Worked answers to the exercises of [the GloVe chapter](../02_glove.ipynb).

# %%
from d2lsent import exercises, glove

embedding = glove.TokenEmbedding('glove.6b.50d-packaged')

# %% [markdown]
# ## 1. Coverage with GloVe-style tokens

# %%
for tokenizer in ('book', 'glove'):
    found = exercises.glove_coverage(tokenizer)
    print(f'{tokenizer:5}: {found.vocab_found:,} of {found.vocab_size:,} entries '
          f'({found.vocab_found / found.vocab_size:.1%}) have a vector; '
          f'{found.tokens_found / found.tokens_total:.1%} of the token occurrences')
found = exercises.glove_coverage('glove')
assert exercises.check_coverage(found.vocab_found / found.vocab_size)

# %% [markdown]
# ## 2. Neighbours of sentiment words

# %%
for word in ('awful', 'brilliant'):
    print(word, '->', [token for token, _ in embedding.similar_tokens(word, k=3)])

# %% [markdown]
# The neighbours are words used in the same places, and opposite sentiments often are:
# GloVe learns from co-occurrence, not from meaning, so a vector alone does not say
# whether a word praises or pans. That is one reason the model fine-tunes the vectors and
# reads whole reviews with an LSTM.
#
# ## 3. Analogies about sentiment

# %%
for a, b, c in (('good', 'bad', 'great'), ('love', 'hate', 'like'),
                ('best', 'worst', 'good')):
    print(f'{a} : {b} :: {c} : {embedding.analogy(a, b, c)}')

# %% [markdown]
# Where the answer is not the expected opposite, the arithmetic lands on a word near the
# inputs: sentiment words of both signs share their contexts (exercise 2), so the
# difference `bad - good` carries little of the sentiment.
