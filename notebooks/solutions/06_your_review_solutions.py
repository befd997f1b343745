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
# # Solutions: your own review
#
# Worked answers to the exercises of [the chapter with the review box](../06_your_review.ipynb),
# with the model that ships with d2lsent.

# %%
from d2lsent import torch as d2l
from d2lsent.prediction import describe_reading

net, vocab, config = d2l.load_pretrained()


def read(text):
    return d2l.read_review(net, vocab, text, config.tokenizer, config.num_steps)

# %% [markdown]
# ## 1. Clearly positive, read as negative
#
# Short reviews with a negation or with words the model never saw are where it errs. We
# try a few and keep those it gets wrong:

# %%
candidates = ['Not bad at all.', 'I was not disappointed.', 'Never boring.',
              'Hardly a dull moment.', 'Kurosawa at his best.']
wrong = [text for text in candidates if read(text)['label'] == 'negative']
for text in candidates:
    print(f'{text:25} -> {describe_reading(read(text))}')
print('read as negative:', wrong)

# %% [markdown]
# ## 2. The same review twice

# %% tags=["nbval-ignore-output"]
review = 'A gentle, funny film with a fine cast.'
once, twice = read(review)['probability'], read(f'{review} {review}')['probability']
print(f'once: {once:.3f}, twice: {twice:.3f}')

# %% [markdown]
# The LSTM's state at the last token depends on every token before it, and the model
# reads its outputs at the first and the last token: a longer text reaches a different
# state, so the probability changes even though a reader learns nothing new.
#
# ## 3. Beyond `num_steps`

# %%
negative = ' '.join(['This film is dull and badly acted .'] * 80)  # 640 tokens
ending = ' But the last scene is wonderful , a masterpiece .'
print('tokens in the negative part:', len(negative.split()))
for text in (negative, negative + ending):
    print(describe_reading(read(text)))
assert read(negative + ending)["probability"] == read(negative)["probability"]  # cut off

# %% [markdown]
# The review is cut to its first 500 tokens before the model reads it, so the positive
# ending is never seen: the answer is that of the negative part alone.
