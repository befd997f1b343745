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
# # Your own review
#
# Training takes half an hour on a laptop's CPU, so d2lsent ships a trained model: a run
# of the preset `best` (GloVe-style tokens, dropout 0.5, learning rate 0.002, the epoch
# chosen on validation). Its model card, `d2lsent/pretrained/MODEL_CARD.md`, says how it
# was trained, how accurate it is, and where it fails. Here we load it in both
# frameworks, check that they agree, and then let you type a review of your own.

# %%
import numpy as np

from d2lsent import mxnet as d2l_mx
from d2lsent import torch as d2l
from d2lsent.prediction import EXAMPLE_REVIEWS, describe_reading
from d2lsent.widgets import review_box

net, vocab, config = d2l.load_pretrained()
print(f'{len(vocab):,} tokens in the vocabulary, tokenizer {config.tokenizer!r}, '
      f'reviews cut to {config.num_steps} tokens')

# %% [markdown]
# ## One model, two frameworks
#
# The file holds the weights under PyTorch's names; MXNet's backend converts them to
# Gluon's layout when it loads them. Both must give the same probabilities.

# %%
net_mx = d2l_mx.load_pretrained()[0]
reviews = [review for review, _ in EXAMPLE_REVIEWS]
probs = [[d2l_b.read_review(model, vocab, r, config.tokenizer, config.num_steps)['probability']
          for r in reviews] for d2l_b, model in ((d2l, net), (d2l_mx, net_mx))]
difference = np.abs(np.subtract(*probs)).max()
print('PyTorch and MXNet agree to within 1e-5:', difference < 1e-5)
assert difference < 1e-5

# %% [markdown]
# ## What the model reads
#
# `read_review` tokenizes a review as the training reviews were, predicts, and lists the
# words the model does not know: they were rarer than 5 times in the training reviews,
# so the model reads each of them as `<unk>`. Names and misspellings are typical.

# %%
def read(text):
    return d2l.read_review(net, vocab, text, config.tokenizer, config.num_steps)


for text in [*reviews, 'An increddible film, a real masterpeice from Kurosawa.',
             'I wanted to love it. I did not.']:
    print(f'{text}\n  -> {describe_reading(read(text))}')

# %%
assert [read(review)['label'] for review in reviews] == \
    [expected for _, expected in EXAMPLE_REVIEWS]

# %% [markdown]
# ## Try it
#
# Type in the box (in JupyterLab, with this notebook's kernel running): the line below it
# answers as you type, with the same function as the cell above. Try a review that
# praises the actors and pans the film, or one with a negation (*not bad at all*); the
# model card lists the kinds of review it gets confidently wrong.

# %%
review_box(read, value='A clumsy script, but the actors make it worth watching.')

# %% [markdown]
# ## Exercises
#
# 1. Find a short review that a reader finds clearly positive and the model calls
#    negative. Which of its words are unknown to the model?
# 2. Does the probability change when you repeat a review twice? Why can a recurrent
#    model's answer depend on the length of the text?
# 3. The model reads at most `config.num_steps` tokens. Put a positive sentence after 500
#    tokens of a negative review: what does the model say, and why?
#
# Worked solutions: [the solutions notebook](solutions/06_your_review_solutions.ipynb).
