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
# # Solutions: Word Similarity and Analogy
#
# Worked answers to the exercises of [the GloVe chapter](../02_glove.ipynb). Each answer
# is computed here first; only then does a check of `d2lsent.exercises` compare it with
# its own count.

# %%
# %matplotlib inline
# Install d2lsent where this kernel lacks it (on Colab, for example): the PyTorch chapter.
import importlib.util, os, subprocess, sys
if importlib.util.find_spec('d2lsent') is None:
    source = os.environ.get('D2LSENT_SOURCE', 'git+https://github.com/d2lsent/d2lsent')
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--quiet', source], check=True)

# %%
import numpy as np
from IPython.display import Markdown

from d2lsent import exercises, glove, imdb

embedding = glove.TokenEmbedding('glove.6b.50d-packaged')

# %% [markdown]
# ## 1. Coverage with GloVe-style tokens
#
# For each tokenizer, build the training vocabulary and count the entries, `<unk>` aside,
# that the embedding knows.

# %%
shares, sizes = {}, {}
for tokenizer in ('book', 'glove'):
    vocab = imdb.load_imdb(tokenizer=tokenizer).vocab
    entries = [token for token in vocab.idx_to_token if token != '<unk>']
    found = sum(token in embedding.token_to_idx for token in entries)
    shares[tokenizer], sizes[tokenizer] = found / len(entries), len(entries)
    print(f'{tokenizer:5}: {found:,} of {len(entries):,} entries ({shares[tokenizer]:.1%}) '
          'have a vector')

# %%
assert exercises.check_coverage(shares['glove'])
assert shares['glove'] > shares['book'] and sizes['glove'] < sizes['book']

# %%
Markdown(f"""
With GloVe's tokens, {shares['glove']:.1%} of the vocabulary's entries have a vector,
against {shares['book']:.1%} with the book's whitespace tokens. GloVe 6B's tokens are
lower-case, with punctuation and clitics split off; tokens made the same way find their
vector. Lower-casing also merges `The` and `the`, so the vocabulary itself is smaller.
""")

# %% [markdown]
# ## 2. Cosine similarity of sentiment words
#
# The cosine similarity of two vectors, as `knn` computes it:

# %%
def cosine(token_x, token_y):
    x, y = embedding[[token_x, token_y]]
    return float(x @ y / (np.linalg.norm(x) * np.linalg.norm(y)))


pairs = [('good', 'great', 'bad'), ('awful', 'terrible', 'brilliant')]
for word, same, opposite in pairs:
    print(f'{word}: {same} {cosine(word, same):.3f}, '
          f'{opposite} {cosine(word, opposite):.3f}')

# %%
gap = {word: cosine(word, same) - cosine(word, opposite) for word, same, opposite in pairs}
assert abs(gap['good']) < 0.05 and gap['awful'] > 0.2

# %%
Markdown(f"""
*good* is about as similar to *bad* as to *great* (the cosines differ by
{abs(gap['good']):.3f}), while *awful* is far nearer to *terrible* than to *brilliant*
(by {gap['awful']:.3f}). So the vectors do not reliably keep praise and criticism apart.
GloVe learns from the contexts words appear in, and *good* and *bad* fill the same slots
("a ___ movie", "not ___"), so their vectors are close. A classifier that starts from
these vectors has to learn the sentiment from the labelled reviews: that is one reason
why the model of the next chapters reads whole reviews with an LSTM, and why the preset
`best` fine-tunes the vectors (the book, and the preset `book` that chapters 03 and 04
train, keep them fixed).
""")

# %% [markdown]
# ## 3. Analogies that skip the query tokens
#
# At most three of the nearest tokens can be query tokens, so of the four nearest we take
# the first that is not one of them:

# %%
def analogy_skipping_queries(token_a, token_b, token_c):
    a, b, c = embedding[[token_a, token_b, token_c]]
    top, _ = embedding.knn(b - a + c, 4)
    return next(embedding.idx_to_token[i] for i in top
                if embedding.idx_to_token[i] not in (token_a, token_b, token_c))


sentiment = [('good', 'bad', 'great'), ('love', 'hate', 'like'), ('best', 'worst', 'good')]
book = [('man', 'woman', 'son'), ('beijing', 'china', 'tokyo'), ('bad', 'worst', 'big'),
        ('do', 'did', 'go')]
answers = {}
for query in sentiment + book:
    answers[query] = embedding.analogy(*query), analogy_skipping_queries(*query)
    question = f'{query[0]} : {query[1]} :: {query[2]} :'
    print(f'{question:26} {answers[query][0]:9} skipping the queries: {answers[query][1]}')

# %%
returns_query = [q for q in sentiment if answers[q][0] in q]
assert returns_query == sentiment  # each sentiment analogy returns a query token
assert all(answers[q][0] == answers[q][1] for q in book)  # the book's: no change
assert [answers[q][1] for q in sentiment] == ['terrible', 'say', 'worse']

# %%
Markdown(f"""
Without the change, each of the {len(sentiment)} sentiment analogies returns one of its own
query tokens, so the answer says nothing. Skipping them, `good : bad :: great : ?` gives
*{answers[sentiment[0]][1]}* and `best : worst :: good : ?` gives
*{answers[sentiment[2]][1]}*: negative words, as the analogy asks;
`love : hate :: like : ?` gives *{answers[sentiment[1]][1]}*, which carries no sentiment. The book's four analogies are
unchanged, as the chapter found: their nearest token is not a query token. So the
difference vec(bad) - vec(good) does carry some sentiment, but in these three analogies a
query token stays nearer to the sum than any answer: an analogy search should leave the
query tokens out.
""")
