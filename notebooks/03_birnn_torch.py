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
# # Sentiment analysis with a bidirectional LSTM (PyTorch)
#
# We now classify the IMDb reviews of the first notebook, starting from the GloVe vectors
# of the second. The model is the book's (d2l 1.0.3, "Sentiment Analysis: Using Recurrent
# Neural Networks"): each token's word vector enters a two-layer bidirectional LSTM; the
# LSTM's outputs at the first and at the last time step, each holding both directions,
# are concatenated and a linear layer turns them into two scores, *negative* and
# *positive*. We follow the book's path: data, model, GloVe, training, predictions. Then
# we look at what makes this project's training about twice as fast as the book's, and
# at the learning rate.
#
# **Smoke and full runs.** The full run trains on 22,500 training reviews (the other 2,500
# are held out for validation) for 5 epochs: about half an hour on a 2-core CPU. With the
# environment variable `D2LSENT_SMOKE=1` (as CI sets it) the notebook trains a small model
# on 2,000 reviews cut to 100 tokens for 2 epochs instead. The stored outputs say which
# run produced them and where.

# %%
# %matplotlib inline
import dataclasses
import inspect
import os
import tempfile
import time

import torch
from matplotlib import pyplot as plt

from d2lsent import torch as d2l
from d2lsent.config import Config
from d2lsent.imdb import load_imdb
from d2lsent.machine import describe_machine
from d2lsent.plot import Animator, plot_history
from d2lsent.prediction import EXAMPLE_REVIEWS
from d2lsent.splits import make_splits

SMOKE = os.environ.get('D2LSENT_SMOKE') == '1'
# The book's whitespace tokens, model sizes, rate and epochs (Config()'s defaults are the
# preset best, see 05_results). Unlike the book: 50-d GloVe fine-tuned (book: 100-d,
# frozen), 2,500 reviews held out, the fast recipe, Xavier on embedding and decoder only.
SETTINGS = dict(tokenizer='book', dropout=0.0, lr=0.01, keep_best_epoch=False)
if SMOKE:
    config = Config(limit=2000, num_steps=100, num_epochs=2, valid_size=200, **SETTINGS)
else:
    config = Config(**SETTINGS)  # all reviews, 500 steps, 5 epochs, batch 64

# %% tags=["nbval-ignore-output"]
print('run:', 'smoke' if SMOKE else 'full', '| PyTorch', torch.__version__, '|', describe_machine())
print(config)

# %% [markdown]
# ## Data
#
# The vocabulary and the padded token ids are those of the first notebook. We hold out
# `valid_size` training reviews (chosen with the seed) to watch how well the model
# generalises while it trains, and evaluate on the test reviews after every epoch.

# %% tags=["nbval-ignore-output"]
train_iter, valid_iter, test_iter, vocab = make_splits(config, d2l.to_tensor)
print(f'train {train_iter.num_examples:,}, validation {valid_iter.num_examples:,}, '
      f'test {test_iter.num_examples:,} reviews; {len(train_iter)} batches per epoch')

# %%
assert len(vocab) == 49_346
assert train_iter.num_examples + valid_iter.num_examples == (config.limit or 25_000)

# %% [markdown]
# ## The model
#
# `BiRNN` reads token ids of shape (batch size, number of steps). PyTorch's LSTM expects
# time first, so the input is transposed before the embedding. Its `dropout` (0 by
# default: the book's model) zeroes a share of the embedded tokens and of the first LSTM
# layer's outputs while training; it has no parameters, so the model contract holds.

# %%
print(inspect.getsource(d2l.BiRNN))

# %% [markdown]
# Let us follow two reviews, cut to 10 tokens, through the layers of a model with the
# book's sizes (100-d embeddings, 100 hidden units).

# %%
torch.manual_seed(0)
demo = d2l.BiRNN(len(vocab), embed_size=100, num_hiddens=100, num_layers=2)
X = next(iter(test_iter))[0][:2, :10]
embeddings = demo.embedding(X.T)
outputs, _ = demo.encoder(embeddings)
encoding = torch.cat((outputs[0], outputs[-1]), dim=1)
print('X (batch, steps)                          ', tuple(X.shape))
print('embeddings (steps, batch, embed)          ', tuple(embeddings.shape))
print('LSTM outputs (steps, batch, 2 x hidden)   ', tuple(outputs.shape))
print('first and last outputs (batch, 4 x hidden)', tuple(encoding.shape))
print('logits (batch, 2)                         ', tuple(demo.decoder(encoding).shape))
print('parameters:', f'{sum(p.numel() for p in demo.parameters()):,}')

# %% [markdown]
# ## Initialising with GloVe
#
# `build_model` seeds PyTorch, initialises the embedding and the decoder with Xavier (the
# LSTM keeps PyTorch's own initialisation; with `recipe='book'` its weights get Xavier
# too, as the book's `init_weights` does), then copies the GloVe vector of every
# vocabulary token into the embedding. Tokens without a vector start at zero. Unlike the
# book, which freezes the embedding, we fine-tune it (`Config(freeze_embedding=True)`
# freezes it).

# %%
glove = d2l.TokenEmbedding(config.embedding)
net = d2l.build_model(vocab, glove, config)
weight = net.embedding.weight.detach()
print('embedding', tuple(weight.shape), '| fine-tuned:', net.embedding.weight.requires_grad)
print("row of 'great' equals GloVe's:", bool((weight[vocab['great']].numpy() == glove[['great']][0]).all()))
print('rows without a GloVe vector:', int((weight.abs().sum(dim=1) == 0).sum()))
print('parameters:', f'{sum(p.numel() for p in net.parameters()):,}')

# %% [markdown]
# ## Training
#
# Adam minimises the cross-entropy loss. One training step does what the book's
# `train_batch_ch13` (d2l 1.0.3) does on one device: predict, compute the loss, zero the
# gradients, backpropagate, update. Two differences: the book sums the per-example losses
# before `backward` (its loss has `reduction='none'`), we average them (PyTorch's
# default), which Adam hardly notices (section "Which learning rate?"); and our
# minibatches also carry each review's length, which the fast recipe (section "Making it
# fast") uses.

# %%
print(inspect.getsource(d2l.make_train_step))

# %% [markdown]
# `d2l.train` runs this step over every minibatch of every epoch, then measures the
# accuracy on the validation and the test reviews (shared by both backends:
# `d2lsent.training.train_epochs`). The curves are redrawn after every epoch.

# %% tags=["nbval-ignore-output"]
history = d2l.train(net, train_iter, valid_iter, test_iter, config,
                    animator=Animator(config.num_epochs))

# %% tags=["nbval-ignore-output"]
for r in history.records:
    print(f"epoch {r['epoch']}: loss {r['train_loss']:.3f}, train acc {r['train_acc']:.3f}, "
          f"valid acc {r['valid_acc']:.3f}, test acc {r['test_acc']:.3f}, "
          f"{r['examples_per_s']:.1f} examples/s, {r['train_seconds']:.0f} s training")

# %%
assert history['test_acc'][-1] > (0.55 if SMOKE else 0.80)

# %% [markdown]
# ## Predictions
#
# The final check of a trained model: clearly positive and clearly negative reviews must
# get different labels. A model that learned the labels the wrong way round, or whose
# reviews and labels were shuffled apart, fails here.

# %%
predictions = [(d2l.predict_sentiment(net, vocab, text), expected)
               for text, expected in EXAMPLE_REVIEWS]
for ((label, prob), expected), (text, _) in zip(predictions, EXAMPLE_REVIEWS):
    print(f'{label:8} (expected {expected}): {text}')
assert [label for (label, _), _ in predictions] == [e for _, e in EXAMPLE_REVIEWS]

# %% [markdown]
# Try your own sentences; the tokenizer splits on whitespace, so keep punctuation apart.

# %% tags=["nbval-ignore-output"]
for text in ['i would watch it again', 'the plot made no sense and the acting was wooden']:
    print(d2l.predict_sentiment(net, vocab, text), text)

# %% [markdown]
# ## Saving and loading
#
# A checkpoint holds the weights, the vocabulary and the configuration together, so a
# reloaded model predicts the same.

# %%
with tempfile.TemporaryDirectory() as folder:
    path = d2l.save_model(net, vocab, config, os.path.join(folder, 'model.npz'))
    reloaded, _, _ = d2l.load_model(path, vocab)
same = [d2l.predict_sentiment(reloaded, vocab, text) == d2l.predict_sentiment(net, vocab, text)
        for text, _ in EXAMPLE_REVIEWS]
print('same predictions after reloading:', all(same))

# %% [markdown]
# ## Making it fast: length buckets and masked recurrence
#
# The model above trained with this project's fast recipe (`Config(recipe='fast')`, the
# default); `recipe='book'` trains on the book's padded minibatches instead, with the
# book's initialisation. The book pads every review to 500 tokens, so more than half of
# what the LSTM reads is padding, and `outputs[-1]` is the output after the padding, not after the review's
# last word. Worse, the backward direction reads the padding *first*, so even
# `outputs[0]` depends on how much padding follows. The fast recipe changes two things
# and keeps every parameter:
#
# * **Length buckets** (`d2l.Buckets`): each minibatch holds reviews of similar length and
#   is padded only to its longest review; the order of the minibatches is shuffled.
# * **Masked recurrence** (`d2l.masked_lstm`): each direction of each layer runs on its
#   own, the backward one on every review reversed within its length, so the outputs at
#   the real tokens are exactly those of the review run alone; the model reads them at
#   each review's first and last token.
#
# (It also flushes floats too small for the normal range, denormals, to zero in every
# thread, `d2l.flush_denormals`. Some CPUs handle them slowly: on this project's AMD
# machines flushing made no measurable difference, on an Intel Xeon it made training
# several times faster, `BENCHMARKS.md`.)

# %%
print(inspect.getsource(d2l.masked_lstm))

# %% tags=["nbval-ignore-output"]
data = load_imdb(config.num_steps)  # all 25,000 training reviews, the book's tokens
buckets = d2l.Buckets((data.train_features, data.train_labels), data.train_lengths, 64)
print(f'padding, book recipe:    {1 - data.train_lengths.mean() / config.num_steps:.1%} of the positions')
print(f'padding, length buckets: {buckets.padding_fraction():.1%} of the positions')

# %% [markdown]
# The masked outputs of a short review inside a padded batch are those of the review on
# its own; the book's path reads a different encoding after the padding. (`demo` is the
# untrained model of the shapes above.)

# %% tags=["nbval-ignore-output"]
X, y, lens = next(iter(valid_iter))
X, lens = X[[0, -1]], lens[[0, -1]]  # the shortest and the longest review in the batch
with torch.no_grad():
    alone = demo(X[:1, :lens[0]])
    print('alone:', alone, '\nmasked:', demo(X, lens)[:1], '\nbook:', demo(X)[:1])
    assert torch.allclose(demo(X, lens)[:1], alone, atol=1e-5)

# %% [markdown]
# What the padding costs, measured here: the trained model reads the same 512 training
# reviews once as the book pads them (500 steps each) and once in length buckets.

# %% tags=["nbval-ignore-output"]
sample = slice(0, 512)
X_all, lens_all = data.train_features[sample], data.train_lengths[sample]
def seconds_to_read(batches):
    net.eval()
    start = time.perf_counter()
    with torch.no_grad():
        for X, *lens in batches:
            net(d2l.to_tensor(X), *map(d2l.to_tensor, lens))
    return time.perf_counter() - start
padded = [(X_all[i:i + 64].copy(),) for i in range(0, len(X_all), 64)]  # writable, as torch wants
bucketed = [(X, lens) for X, _, lens in d2l.Buckets((X_all, data.train_labels[sample]), lens_all, 64)]
book_s, fast_s = seconds_to_read(padded), seconds_to_read(bucketed)
print(f'padded to {config.num_steps}: {book_s:.2f} s | length buckets: {fast_s:.2f} s '
      f'| {book_s / fast_s:.1f}x faster (forward only; training: BENCHMARKS.md)')

# %% [markdown]
# ## Which learning rate?
#
# The book trains with Adam at `lr=0.01`. One could argue for `0.01 / 64 = 1.5625e-4`,
# reasoning that the loss is now averaged over the batch instead of summed. But Adam
# divides each step by a running estimate of the gradient's size, so multiplying the
# gradient by a constant hardly changes its steps: the batch size is no reason to shrink
# the learning rate. We measure it: both rates, the same budget (4,000 reviews, 2 epochs;
# smoke: 400 reviews of 100 tokens, 2 epochs), the same seed.

# %% tags=["nbval-ignore-output"]
lr_config = (dataclasses.replace(config, limit=400, num_epochs=2, valid_size=80) if SMOKE
             else dataclasses.replace(config, limit=4000, num_epochs=2, valid_size=800))
lr_runs = {}
for lr in (0.01, 1.5625e-4):
    c = dataclasses.replace(lr_config, lr=lr)
    lr_runs[lr] = d2l.fit(c)[2]
    print(f"lr {lr:g}: valid acc per epoch {[round(a, 3) for a in lr_runs[lr]['valid_acc']]}, "
          f"train loss {[round(l, 3) for l in lr_runs[lr]['train_loss']]}")

# %%
for lr, h in lr_runs.items():
    fig = plot_history(h, figsize=(7, 2.5))
    fig.suptitle(f'lr = {lr:g}', y=1.02)
plt.show()

# %% [markdown]
# Which rate reached the higher validation accuracy within the budget, and does the
# rate of this notebook agree?

# %% tags=["nbval-ignore-output"]
best = max(lr_runs, key=lambda lr: lr_runs[lr]['valid_acc'][-1])
print('higher validation accuracy after the budget: lr =', best,
      "| this notebook's lr =", config.lr, '| agrees:', best == config.lr)

# %% [markdown]
# ## Summary
#
# * The BiRNN concatenates the LSTM outputs at the first and the last step (4 x 100
#   values) and maps them to two classes; with the packaged 50-d GloVe vectors it has
#   2,831,302 parameters, most of them in the embedding.
# * GloVe initialisation plus fine-tuning trains to the test accuracy shown above; the
#   synthetic reviews are classified correctly.
# * The fast recipe trains the same parameters on length buckets with a masked LSTM:
#   almost no padding, and the first and last outputs are those of the real tokens.
# * Adam makes the learning rate nearly independent of how the loss is scaled, so the
#   batch size alone gives no reason to divide it by 64; the comparison above measures it.

# %% [markdown]
# ## Exercises
#
# 1. (From the book) Increase the number of epochs. Can you improve the training and test
#    accuracies? How about tuning other hyperparameters? Look first at what the runs in
#    `docs/runs/ablations/` found: at which epoch did validation peak, and what did the
#    learning rate change?
# 2. The book's model reads the LSTM at step 0 and step 499 of a review padded to 500
#    steps; the fast recipe reads it at the review's first and last token. Take the
#    pretrained model and a few short test reviews: how far apart are the two recipes'
#    probabilities for the same review and the same weights?
# 3. The book freezes the GloVe vectors; we fine-tune them. Compare the runs
#    `torch-glove-tokens-frozen` and `torch-glove-tokens`: what does fine-tuning give on
#    validation and on test?
#
# Worked solutions: [the solutions notebook](solutions/03_birnn_torch_solutions.ipynb).
