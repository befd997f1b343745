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
# Training the model takes a while on a CPU (notebook 03 estimates how long on your
# machine), so d2lsent ships a trained model: a run of the preset `best`, whose settings
# the cell below prints. Its model card, `d2lsent/pretrained/MODEL_CARD.md`, says how it
# was trained, how accurate it is, and where it fails. Here we give it reviews of our
# own, ask which words made its answer, and end with a box in which you can type yours.

# %%
# %matplotlib inline
# Install d2lsent where this kernel lacks it (on Colab, for example): the PyTorch chapter.
import importlib.util, os, subprocess, sys
if importlib.util.find_spec('d2lsent') is None:
    source = os.environ.get('D2LSENT_SOURCE', 'git+https://github.com/d2lsent/d2lsent')
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--quiet', source], check=True)

# %%
import inspect

from IPython.display import HTML, Markdown, display

from d2lsent import attribution, widgets
from d2lsent import torch as d2l
from d2lsent.config import preset
from d2lsent.prediction import EXAMPLE_REVIEWS, describe_reading

# The backend's process-wide settings, made once by an explicit call.
d2l.setup()

net, vocab, config = d2l.load_pretrained()
assert config == preset('best')
print(f'preset best: tokenizer {config.tokenizer!r}, dropout {config.dropout}, '
      f'learning rate {config.lr}, {config.num_epochs} epochs, '
      f'keep_best_epoch={config.keep_best_epoch} (the epoch chosen on validation)')
print(f'{len(vocab):,} tokens in the vocabulary, reviews cut to {vocab.num_steps} tokens')

# %% [markdown]
# ## What the model reads
#
# `d2l.read_review(net, vocab, text)` splits a review into tokens as the training
# reviews were split, cuts it as training did (the vocabulary carries its tokenizer and
# `num_steps`, so nothing else is needed), predicts, and lists the words the model does
# not know: they were rarer than 5 times in the training reviews, so the model reads
# each of them as `<unk>`. Names and misspellings are typical.

# %%
def read(text):
    return d2l.read_review(net, vocab, text)


reviews = [review for review, _ in EXAMPLE_REVIEWS]
for text in [*reviews, 'An increddible film, a real masterpeice from Kurosawa.',
             'I wanted to love it. I did not.']:
    print(f'{text}\n  -> {describe_reading(read(text))}')

# %%
assert [read(review)['label'] for review in reviews] == \
    [expected for _, expected in EXAMPLE_REVIEWS]

# %% [markdown]
# ## Why did it say that?
#
# A label and a probability do not say which words the model went by. One simple way to
# find out: remove one word, read the review again, and see how far the probability of
# the label falls. `d2l.token_attributions(net, vocab, text)` does this for every token
# (*occlusion*): a token's score is the probability of the predicted label minus that
# probability without the token, above 0 where the token supports the label, below 0
# where it speaks against it. Here is the package's function:

# %%
print(inspect.getsource(attribution.token_attributions))

# %% [markdown]
# A review of $n$ tokens costs $n + 1$ readings, fast for a few sentences.
# `attribution.to_html` shows the result as highlighted text: green for words that
# support *positive*, red for *negative*, stronger for a larger score relative to the
# review's largest (hover over a word to see its score).
#
# We try it on four reviews whose label a reader has no doubt about. The model gets the
# first three wrong: a negation, a contrast, and a review whose verdict comes late.

# %%
examples = {  # kind: (review, the label a reader gives it)
    'negation': ('Not bad at all.', 'positive'),
    'contrast': ('Great cast, and yet not a single scene works.', 'negative'),
    'slow start': ('It starts badly: a boring first act, awkward dialogue, a weak villain. '
                   'Then it finds its feet, and by the end I loved it.', 'positive'),
    'clear': ('A wonderful, moving film with a superb cast.', 'positive'),
}
found = {kind: d2l.token_attributions(net, vocab, review)
         for kind, (review, _) in examples.items()}
for kind, (review, expected) in examples.items():
    print(f"{kind}: a reader says {expected}; the model says "
          f"{'the same' if found[kind]['label'] == expected else found[kind]['label']}")

# %% tags=["nbval-ignore-output"]
for kind, found_kind in found.items():
    display(HTML(f"<p><b>{kind}</b>: {found_kind['label']} (probability "
                 f"{found_kind['probability']:.3f})</p>" + attribution.to_html(found_kind)))


# %%
def score(found_kind, token):
    """The score of the first occurrence of ``token``."""
    return found_kind['scores'][found_kind['tokens'].index(token)]


def strongest(found_kind, k=1):
    """The ``k`` tokens that support the predicted label most."""
    ranked = sorted(zip(found_kind['scores'], found_kind['tokens']), reverse=True)
    return [token for _, token in ranked[:k]]


assert [found[kind]['label'] == expected for kind, (_, expected) in examples.items()] == \
    [False, False, False, True]
assert strongest(found['negation']) == ['bad'] and abs(score(found['negation'], 'not')) < 0.05
contrast = found['contrast']
assert strongest(contrast) == ['great']
assert all(abs(s) < 0.05 for s in contrast['scores'][contrast['tokens'].index('not'):])
slow = found['slow start']
assert set(strongest(slow, 3)) <= set(slow['tokens'][:slow['tokens'].index('then')])
assert -0.1 < score(found['slow start'], 'loved') < 0
assert max(map(abs, found['clear']['scores'])) < 0.05

# %% [markdown]
# What the scores say, review by review:

# %% tags=["nbval-ignore-output"]
display(Markdown(f"""
* **Negation.** *bad* carries the answer: without it, the probability of *negative*
  falls by {score(found['negation'], 'bad'):.2f}; removing *not* changes it by
  {score(found['negation'], 'not'):+.2f}. The model has learned *bad* as a negative word
  and has not learned that *not* turns it around.
* **Contrast.** *great* carries the answer ({score(found['contrast'], 'great'):+.2f});
  *not a single scene works*, the reviewer's verdict, hardly counts (*not*:
  {score(found['contrast'], 'not'):+.2f}, *works*: {score(found['contrast'], 'works'):+.2f}).
  None of its words is negative on its own: the meaning is in how they combine, which
  the model has not learned.
* **Slow start.** The words of the opening carry the answer
  (*{'*, *'.join(strongest(slow, 3))}*);
  *loved*, the verdict, speaks against it, but only by {score(slow, 'loved'):+.2f}.
  The reader weighs the ending more; the model weighs the many negative words more.
* **Clear.** The model is right, and every score is small (at most
  {max(map(abs, found['clear']['scores'])):.3f}; the colours are relative to the largest,
  so they look as strong as in the other reviews). Not because no word matters:
  *wonderful*, *moving* and *superb* each suffice (the next cell checks it), so removing
  one leaves the others to carry the answer. Occlusion measures what a word adds *given
  the rest of the review*; a word that is one of several good reasons scores low.
"""))

# %%
alone = {word: f'A {word} film with a cast.' for word in ('wonderful', 'moving')}
alone.update(superb='A film with a superb cast.', none='A film with a cast.')
for word, text in alone.items():
    print(f'{word:9} {text:28} -> {describe_reading(read(text))}')

# %%
def positive(text):
    """The probability of *positive* for ``text``."""
    reading = read(text)
    probability = reading['probability']
    return probability if reading['label'] == 'positive' else 1 - probability


assert all(positive(alone[word]) > 0.9 for word in ('wonderful', 'moving', 'superb'))
assert positive(alone['none']) < 0.9

# %% [markdown]
# The three mistakes have one thing in common: the model goes by words that are
# positive or negative on their own, and misses what the words around them do to them.
#
# ## Try it
#
# Type in the box: the line below it answers as you type, with the same function as the
# cells above, and under it the review's words are highlighted as above (each change of
# the text reads the review once per word, so long reviews take a moment). The box needs
# a running kernel: open this notebook in JupyterLab or Colab and run it. **On the
# website, this page is static: the box below shows its first review and cannot answer
# what you type.** Try a review that praises the actors and pans the film, a sarcastic
# one, or one with a negation.

# %%
def attribute(text):
    return d2l.token_attributions(net, vocab, text)


first = 'A clumsy script, but the actors make it worth watching.'
widgets.review_box(read, attribute, value=first)

# %% [markdown]
# What the box shows, for a few fixed reviews: the answer line (`widgets.answer`, the
# same function the box calls; the empty review gets the prompt) ...

# %%
for text in (first, 'A dull, wooden film, but Zorbulon was fun.', ''):
    print(f'{text!r}\n  -> {widgets.answer(read, text)}')

# %% [markdown]
# ... and the highlighted words (`widgets.highlights`), here for the box's first
# review:

# %% tags=["nbval-ignore-output"]
display(HTML(widgets.highlights(attribute, first)))

# %%
assert widgets.highlights(attribute, first) == attribution.to_html(attribute(first))
assert widgets.highlights(attribute, '   ') == ''
assert widgets.answer(read, '') == widgets.PROMPT

# %% [markdown]
# ## Summary
#
# * The vocabulary carries its tokenizer and length, so `d2l.read_review(net, vocab,
#   text)` reads any text as the training reviews were read.
# * Occlusion scores each word by how far the probability of the answer falls without
#   it: a first look at why the model said what it said.
# * The shipped model goes mostly by words that are positive or negative on their own:
#   negation, contrast and a late verdict fool it.
# * A word that is one of several reasons for the answer scores low: occlusion measures
#   what a word adds given the rest.
#
# ## Exercises
#
# 1. Write a short review that a reader finds clearly positive or clearly negative and
#    that the model gets wrong for another reason than the three above. Use
#    `d2l.token_attributions` to say what the model got wrong, and why.
# 2. Does the probability change when you repeat a review twice? Why can a recurrent
#    model's answer depend on the length of the text?
# 3. The model reads at most `vocab.num_steps` tokens. Put a positive sentence after 500
#    tokens of a negative review: what does the model say, and why?
#
# Worked solutions: [the solutions notebook](solutions/06_your_review_solutions.ipynb).
