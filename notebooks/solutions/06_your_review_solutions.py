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
# Worked answers to the exercises of
# [the chapter with the review box](../06_your_review.ipynb), with the model that ships
# with d2lsent.

# %%
# %matplotlib inline
# Install d2lsent where this kernel lacks it (on Colab, for example): the PyTorch chapter.
import importlib.util, os, subprocess, sys
if importlib.util.find_spec('d2lsent') is None:
    source = os.environ.get('D2LSENT_SOURCE', 'git+https://github.com/d2lsent/d2lsent')
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--quiet', source], check=True)

# %%
from IPython.display import Markdown, display

from d2lsent import attribution, imdb, text
from d2lsent import torch as d2l
from d2lsent.prediction import describe_reading

# The backend's process-wide settings, made once by an explicit call.
d2l.setup()

net, vocab, config = d2l.load_pretrained()


def read(text):
    return d2l.read_review(net, vocab, text)

# %% [markdown]
# ## 1. Wrong for another reason
#
# Sarcasm and comparisons say one thing with words that mean another. We try a few
# short reviews whose label no reader doubts, and keep those the model gets wrong:

# %%
candidates = {  # review: the label a reader gives it
    'Perfect, if you need a nap.': 'negative',
    'Oh great, another two hours of my life I will never get back.': 'negative',
    'It makes Plan 9 from Outer Space look like Citizen Kane.': 'negative',
    'What a masterpiece of boredom.': 'negative',
}
wrong = {}
for review, expected in candidates.items():
    found = d2l.token_attributions(net, vocab, review)
    print(f"{review}\n  a reader: {expected}; the model: {found['label']}")
    if found['label'] != expected:
        wrong[review] = found
print(f'{len(wrong)} of {len(candidates)} read wrongly')

# %% [markdown]
# Their attributions (each token followed by its score for the model's label):

# %% tags=["nbval-ignore-output"]
for review, found in wrong.items():
    print(f"{found['label']} (probability {found['probability']:.3f}): "
          f"{attribution.to_text(found, digits=2)}")


# %%
def ranked(found):
    """The tokens by their score, the strongest support for the model's label first."""
    return [token for _, token in sorted(zip(found['scores'], found['tokens']), reverse=True)]


def score(found, token):
    return found['scores'][found['tokens'].index(token)]


assert list(wrong) == list(candidates)[:3]  # the model reads the fourth rightly
nap, hours, plan = wrong.values()
assert ranked(nap)[0] == 'perfect' and ranked(hours)[0] == 'great' and ranked(plan)[0] == '9'
assert ranked(hours)[-1] == 'oh'  # the word that speaks most against "positive"

# %% [markdown]
# Why would *9* speak for *positive*? The training reviews that contain it, by label,
# and how often it is a rating (followed by `/` or `out of`):

# %%
data = imdb.load_imdb(vocab.num_steps, tokenizer=vocab.tokenizer)
labels, ratings, nines = [], 0, 0
for review, label in zip(data.train_reviews, data.train_labels):
    if '9' not in review:  # a quick filter before tokenizing
        continue
    tokens = text.tokenize_with(vocab.tokenizer, [review])[0]
    at = [i for i, token in enumerate(tokens) if token == '9']
    if at:
        labels.append(int(label))
        nines += len(at)
        ratings += sum(tokens[i + 1:i + 2] == ['/'] or tokens[i + 1:i + 3] == ['out', 'of']
                       for i in at)
print(f"{len(labels):,} training reviews contain '9': {sum(labels):,} positive, "
      f"{len(labels) - sum(labels):,} negative; {ratings:,} of its {nines:,} "
      f"occurrences are ratings")
assert 2 * sum(labels) > len(labels) and 3 * ratings > nines

# %% tags=["nbval-ignore-output"]
display(Markdown(f"""
* *Perfect, if you need a nap.* The model goes by *perfect* ({score(nap, 'perfect'):+.2f});
  the sarcasm lives in what *if you need a nap* does to it, which no single word
  carries (*nap*: {score(nap, 'nap'):+.2f}).
* *Oh great, another two hours ...* *great* carries the answer
  ({score(hours, 'great'):+.2f}). *oh* speaks most strongly against *positive*
  ({score(hours, 'oh'):+.2f}), but not strongly enough; the sarcasm is in the whole
  sentence.
* *It makes Plan 9 from Outer Space look like Citizen Kane.* A comparison that needs
  to know both films: *Plan 9 from Outer Space* is famous for being bad, *Citizen Kane*
  for being good. The model has no such knowledge (*citizen*: {score(plan, 'citizen'):+.2f},
  *kane*: {score(plan, 'kane'):+.2f}); the token that carries its answer is *9*
  ({score(plan, '9'):+.2f}). In the training reviews *9* is often part of a rating such
  as "9/10" ({ratings / nines:.0%} of its occurrences), and
  {sum(labels) / len(labels):.0%} of the reviews that contain it are positive.
"""))

# %% [markdown]
# In each case the model reads words that are positive on their own and misses what
# the sentence does with them, as with the negation and the contrast in the chapter.
#
# ## 2. The same review twice

# %% tags=["nbval-ignore-output"]
review = 'A gentle, funny film with a fine cast.'
once, twice = read(review)['probability'], read(f'{review} {review}')['probability']
print(f'once: {once:.3f}, twice: {twice:.3f}')

# %%
assert abs(once - twice) > 1e-3

# %% [markdown]
# The LSTM's state at the last token depends on every token before it, and the model
# reads its outputs at the first and the last token: a longer text reaches a different
# state, so the probability changes even though a reader learns nothing new.
#
# ## 3. Beyond `num_steps`

# %%
negative = ' '.join(['This film is dull and badly acted .'] * 80)  # 640 tokens
ending = ' But the last scene is wonderful , a masterpiece .'
print('tokens in the negative part:', len(vocab.review_tokens(negative)), 'of',
      len(negative.split()), '(cut to num_steps)')
for text in (negative, negative + ending):
    print(describe_reading(read(text)))
assert read(negative + ending)['probability'] == read(negative)['probability']  # cut off

# %% [markdown]
# The review is cut to its first `vocab.num_steps` tokens before the model reads it, so
# the positive ending is never seen: the answer is that of the negative part alone.
