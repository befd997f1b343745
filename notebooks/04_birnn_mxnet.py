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
# # Sentiment Analysis: Using Recurrent Neural Networks (MXNet Gluon)
#
# **This chapter needs MXNet**: the `[mxnet]` extra, which installs on Python 3.11 only
# (MXNet 1.9.1 needs numpy < 1.24): `pip install 'd2lsent[mxnet]'`, or `make env` in the
# repository. The PyTorch chapter, `03_birnn_torch`, needs neither.
#
# This is the model of the PyTorch chapter written with Gluon on MXNet's numpy interface,
# as in the MXNet edition of *Dive into Deep Learning* (d2l.ai, release 1.0.3), Section 16.2
# "Sentiment Analysis: Using Recurrent Neural Networks". The story (data, model, GloVe,
# training, how good the model is, overfitting, the fast recipe) is told in
# `03_birnn_torch`, and this chapter uses its words: a *preset* is a named set of
# settings (`book`: the book's); a *recipe* is how reviews reach the LSTM and how the
# model is initialised (*book*: every review padded to 500 steps, Xavier on every weight
# as in the book; *fast*: length buckets and a masked LSTM, and each block initialised on
# its own: Xavier on the embedding and the decoder, Gluon's default on the LSTM); the
# *model contract* says that both backends build the same parameters under the same
# names, so that a checkpoint loads in either. Here we see what Gluon does differently:
# how it initialises and stores the LSTM's parameters, and how its trainer updates.
# Then the two frameworks side by side: the same minibatches, and the same model giving
# the same answers.
#
# It trains what the PyTorch chapter trains: the preset `book` (50-d GloVe frozen, Adam at
# 0.01, no dropout, 5 epochs) with the fast recipe, so its LSTM starts from Gluon's
# default initialisation, not the book's Xavier, on the training reviews less 2,500
# held out for validation. With `D2LSENT_SMOKE=1` (as CI sets it) it uses 2,000 reviews
# of each split, cut to 100 tokens, for 2 epochs instead. The stored outputs say which
# run made them, and where.

# %%
# %matplotlib inline
import os

# MXNet reads its number of threads when it is imported; without this, it uses half the cores.
os.environ.setdefault('OMP_NUM_THREADS', str(os.cpu_count()))

import inspect
import itertools
import tempfile

import numpy as onp
import torch
from IPython.display import Markdown

from d2lsent import mxnet as d2l

# Process-wide settings (denormals flushed in MXNet's threads, oneDNN's cache): an explicit call.
denormals_flushed = d2l.setup()

import mxnet as mx
from mxnet import autograd, np

from d2lsent import torch as d2l_torch
from d2lsent.config import preset
from d2lsent.machine import describe_machine
from d2lsent.plot import Animator
from d2lsent.prediction import EXAMPLE_REVIEWS
from d2lsent.splits import make_splits

d2l_torch.setup()  # the PyTorch backend's settings, for the comparisons at the end

SMOKE = os.environ.get('D2LSENT_SMOKE') == '1'
# The settings of the PyTorch chapter: the preset book and the fast recipe.
if SMOKE:  # CI: 2,000 reviews of each split, cut to 100 tokens, 2 epochs
    config = preset('book', recipe='fast', limit=2000, num_steps=100, num_epochs=2,
                    valid_size=200)
else:  # all reviews, cut to 500 tokens, 5 epochs, minibatches of 64
    config = preset('book', recipe='fast')

# %% tags=["nbval-ignore-output"]
print('run:', 'smoke' if SMOKE else 'full', '| MXNet', mx.__version__, '|', describe_machine(),
      f'| {d2l.num_threads()} threads, denormals flushed: {denormals_flushed}')
print(config)

# %% [markdown]
# ## The Data
#
# The splits and minibatches are those of the PyTorch chapter: the data layer is written
# once and draws the order of the reviews with numpy from the seed; only the last
# conversion, `to_tensor`, is each framework's.

# %% tags=["nbval-ignore-output"]
train_iter, valid_iter, test_iter, vocab = make_splits(config, d2l.to_tensor)
X, y, lengths = next(iter(train_iter))
print(f'train {train_iter.num_examples:,}, validation {valid_iter.num_examples:,}, '
      f'test {test_iter.num_examples:,} reviews; {len(train_iter)} minibatches per epoch')
print('one minibatch: X', X.shape, X.dtype, '| y', y.shape, y.dtype,
      '| lengths', lengths.shape)

# %%
assert len(vocab) == 49_346 and X.dtype == onp.int32
assert train_iter.num_examples + valid_iter.num_examples == (config.limit or 25_000)

# %% [markdown]
# ### The same minibatches in both frameworks
#
# The book's `load_data_imdb(batch_size)` exists in both backends. Both give the same
# minibatches: the same reviews in the same order, token ids and labels equal, and the
# token ids integers in both. The book's MXNet version builds its features with MXNet's
# `np.array` of Python lists, whose default type is `float32`, so there the token ids
# become floats (exact up to 2²⁴, so no id is lost, but the embedding then looks rows
# up by floats). Here are the first three training minibatches of each backend:

# %%
mx_train, _, mx_vocab = d2l.load_data_imdb(64)  # the book's 500 steps, in every run
pt_train, _, pt_vocab = d2l_torch.load_data_imdb(64)
same = []
for (mx_X, mx_y), (pt_X, pt_y) in itertools.islice(zip(mx_train, pt_train), 3):
    same.append(bool((mx_X.asnumpy() == pt_X.numpy()).all() and
                     (mx_y.asnumpy() == pt_y.numpy()).all()))
    print('MXNet X', mx_X.shape, mx_X.dtype, 'y', mx_y.dtype, '| PyTorch X',
          tuple(pt_X.shape), pt_X.dtype, 'y', pt_y.dtype, '| equal:', same[-1])
print('same vocabulary:', mx_vocab.idx_to_token == pt_vocab.idx_to_token)
print("the book's conversion, np.array of a list of token ids:",
      np.array([[1, 2], [3, 4]]).dtype)

# %%
assert all(same) and mx_X.dtype == onp.int32 and pt_X.dtype == torch.int32

# %% [markdown]
# ## Representing Single Text with RNNs
#
# `rnn.LSTM` reads time-major input, so the token ids are transposed before the
# embedding, as in PyTorch. The two additions to the book's model are those of the
# PyTorch chapter: `dropout` (0 in the preset `book`), and `lengths`, which selects the
# fast recipe. Without it the forward pass is the book's: the LSTM runs over every step
# and `outputs[0]` and `outputs[-1]` are read. With it, `masked_lstm` runs each direction
# over each review's own tokens (the backward one reversed within the review's length by
# indexing, as MXNet's numpy interface has no sequence reversal) and the outputs are read
# at each review's first and last real token: why that matters is shown in the PyTorch
# chapter's section "Making it fast".

# %%
print(inspect.getsource(d2l.BiRNN))

# %% [markdown]
# The model contract in one table: a Gluon model and a PyTorch model of the book's sizes,
# their parameters under the names a checkpoint uses (`get_params`), side by side.

# %%
mx.random.seed(0)
demo = d2l.BiRNN(len(vocab), embed_size=100, num_hiddens=100, num_layers=2)
d2l.initialize(demo, mx.cpu())
gluon_params = d2l.get_params(demo)
torch_params = d2l_torch.get_params(d2l_torch.BiRNN(len(vocab), 100, 100, 2))
print(f"{'parameter':30} {'Gluon':>12} {'PyTorch':>12}")
for name, value in gluon_params.items():
    print(f'{name:30} {str(value.shape):>12} {str(tuple(torch_params[name].shape)):>12}')
print('parameters:', f'{sum(v.size for v in gluon_params.values()):,}')

# %%
assert ({k: v.shape for k, v in gluon_params.items()} ==
        {k: v.shape for k, v in torch_params.items()})

# %% [markdown]
# ### Initialisation
#
# The book initialises the whole network at once, `net.initialize(init.Xavier(),
# ctx=devices)`: Xavier on the embedding, on every weight matrix of the LSTM and on the
# decoder, and Gluon starts every bias at zero. `d2lsent` does the same in the book's
# recipe (`lstm_xavier=True`). In the fast recipe, which this chapter trains, it works
# block by block instead and so **differs from the book**: Xavier on the embedding and
# the decoder, and the LSTM gets Gluon's default initialiser, uniform in ±0.07. Why block
# by block: the LSTM's parameters are stored differently in the two Gluon versions.
# Gluon 1.x keeps one array per layer, direction and kind; Gluon 2.0 fuses them into one
# 1-D vector, which Xavier (it needs a matrix's fan-in and fan-out) rejects. With
# `lstm_xavier`, in Gluon 2.0, `initialize` draws Xavier matrix by matrix into the fused
# vector. `d2l.lstm_params` names the LSTM's parameters the same way in both versions.

# %%
print(inspect.getsource(d2l.initialize))
print('MXNet', mx.__version__, '| LSTM parameters:',
      {name: p.shape for name, p in demo.encoder.collect_params().items()})

# %% [markdown]
# The two initialisations of the same model, from the same seed: the spread (standard
# deviation) of a few of its parameters.

# %%
inits = {}
for name, lstm_xavier in (("book's (Xavier everywhere)", True), ('per block', False)):
    d2l.seed(0)
    model = d2l.initialize(d2l.BiRNN(len(vocab), 50, 100, 2), mx.cpu(), lstm_xavier=lstm_xavier)
    inits[name] = {k: float(v.std()) for k, v in d2l.get_params(model).items()}
print(f"{'parameter':22}" + ''.join(f'{name:>28}' for name in inits))
for key in ('encoder.weight_ih_l0', 'encoder.weight_hh_l0', 'encoder.weight_ih_l1',
            'encoder.bias_ih_l0', 'decoder.weight'):
    print(f'{key:22}' + ''.join(f'{stds[key]:28.4f}' for stds in inits.values()))

# %% [markdown]
# ## Loading Pretrained Word Vectors
#
# The book copies the GloVe vectors into the embedding with
# `net.embedding.weight.set_data(embeds)` and keeps them fixed with
# `net.embedding.collect_params().setattr('grad_req', 'null')`: the bodies of the
# backend's `copy_embedding` and `freeze_embedding`. `build_model` (written once for both
# backends, printed in the PyTorch chapter) calls them after building and initialising.

# %%
print(inspect.getsource(d2l.copy_embedding))
print(inspect.getsource(d2l.freeze_embedding))

# %%
glove = d2l.TokenEmbedding(config.embedding)
net = d2l.build_model(vocab, glove, config)
weight = net.embedding.weight.data()
print('embedding', weight.shape, '| grad_req:', net.embedding.weight.grad_req)
print("row of 'great' equals GloVe's:",
      bool((weight[vocab['great']].asnumpy() == glove[['great']][0]).all()))

# %% [markdown]
# ## Training and Evaluating the Model
#
# Gluon's loss gives one number per review. `d2lsent`'s step on one minibatch is the
# backend's `TrainStep`; on one device it comes down to these lines: the losses averaged
# over the minibatch (as PyTorch's loss averages them), `backward`, and
# `trainer.step(1)`, which applies Adam's update. (The real step also splits a minibatch
# between several devices and sums the gradients over them and over processes.)

# %%
def train_step(net, trainer, loss, X, y, *lengths):  # lengths: only in the fast recipe
    with autograd.record():
        l = loss(net(X, *lengths), y).mean()
    l.backward()
    trainer.step(1)


# %% [markdown]
# It is the real step: two copies of the model, built from the same seed, take one step on
# the same minibatch, one with `d2l.TrainStep`, one with `train_step` (given the same kind
# of trainer and loss, those `TrainStep` makes), and end with the same parameters.

# %%
X, y, lengths = next(iter(train_iter))
real = d2l.TrainStep(d2l.build_model(vocab, glove, config), config, mx.cpu())
real(X, y, lengths)
trimmed = d2l.TrainStep(d2l.build_model(vocab, glove, config), config, mx.cpu())
train_step(trimmed.net, trimmed.trainer, trimmed.loss, X, y, lengths)
after = {name: d2l.get_params(step.net) for name, step in (('real', real), ('trimmed', trimmed))}
moved = max(float(abs(after['real'][k] - start).max())
            for k, start in d2l.get_params(net).items())
largest = max(float(abs(after['real'][k] - after['trimmed'][k]).max()) for k in after['real'])
print(f'largest change of a parameter in the step: {moved:.1e}; largest difference '
      f'between the two steps: {largest:.1e}')

# %%
assert moved > 1e-3 * config.lr and largest < 1e-6
del real, trimmed, after

# %% [markdown]
# The training loop, the per-review accuracy and the curves are shared with the PyTorch
# backend (`d2lsent.training.train_epochs`).

# %% tags=["nbval-ignore-output"]
history = d2l.train(net, train_iter, valid_iter, test_iter, config,
                    animator=Animator(config.num_epochs))

# %% tags=["nbval-ignore-output"]
for r in history.records:
    print(f"epoch {r['epoch']}: loss {r['train_loss']:.3f}, train acc {r['train_acc']:.3f}, "
          f"valid acc {r['valid_acc']:.3f}, test acc {r['test_acc']:.3f}, "
          f"{r['examples_per_s']:.1f} examples/s, {r['train_seconds']:.0f} s training, "
          f"{r['eval_seconds']:.0f} s evaluating")

# %%
# A smoke model is barely trained: there we only check that training ran and kept sane.
assert len(history.records) == config.num_epochs
assert all(0 < r['train_loss'] < 1 for r in history.records)
assert history['test_acc'][-1] > (0.45 if SMOKE else 0.80)

# %% [markdown]
# The MXNet edition of the book prints a test accuracy of **0.852** (d2l.ai release
# 1.0.3, [Section 16.2](https://d2l.ai/chapter_natural-language-processing-applications/sentiment-analysis-rnn.html),
# the output of its training cell; the PyTorch edition's: 0.861):
# one run with 100-d GloVe frozen, every review padded to 500 tokens and Xavier on every
# weight (this chapter: 50-d GloVe, the fast recipe and its per-block initialisation).
# The PyTorch chapter compares such numbers with this project's runs and says how far
# one run's accuracy moves by chance.

# %% tags=["nbval-ignore-output"]
Markdown(f"""
This chapter's {'smoke' if SMOKE else 'full'} run ends with a test accuracy of
{history['test_acc'][-1]:.3f} on {test_iter.num_examples:,} test reviews, its training
accuracy {history['train_acc'][-1]:.3f} and its validation accuracy
{history['valid_acc'][-1]:.3f} at the last epoch.
""")

# %% [markdown]
# ## Predictions
#
# The check of a trained model: clearly positive and clearly negative reviews get
# different labels.

# %% tags=["nbval-ignore-output"]
predictions = [d2l.predict_sentiment(net, vocab, text) for text, _ in EXAMPLE_REVIEWS]
for (label, prob), (text, expected) in zip(predictions, EXAMPLE_REVIEWS):
    print(f'{label:8} {prob:.3f} (expected {expected}): {text}')

# %%
# A smoke model is too weak for this check; it must still give a label and its probability.
assert all(label in ('positive', 'negative') and 0.5 <= prob <= 1
           for label, prob in predictions)
if not SMOKE:
    assert [label for label, _ in predictions] == [e for _, e in EXAMPLE_REVIEWS]

# %% [markdown]
# ## One model, two frameworks
#
# A checkpoint names every parameter as PyTorch does. Both frameworks order the LSTM's
# gates alike (input, forget, cell, output) and keep two bias vectors per layer and
# direction, so converting only renames (Gluon 1.x) or unpacks (Gluon 2.0) the arrays.
# We save the model trained above, load it into PyTorch and compare the logits of a test
# minibatch.

# %% tags=["nbval-ignore-output"]
with tempfile.TemporaryDirectory() as folder:
    path = d2l.save_model(net, vocab, config, os.path.join(folder, 'model.npz'))
    torch_net, torch_vocab, _ = d2l_torch.load_model(path)
X, y, lengths = next(iter(test_iter))
mx_logits = d2l.predict_logits(net, X, lengths)
pt_logits = d2l_torch.predict_logits(torch_net, torch.from_numpy(X.asnumpy()),
                                     torch.from_numpy(lengths.asnumpy()))
print(f'largest logit difference on a test minibatch: {abs(mx_logits - pt_logits).max():.1e}')

# %%
assert abs(mx_logits - pt_logits).max() < 1e-4
assert (mx_logits.argmax(axis=1) == pt_logits.argmax(axis=1)).all()

# %% [markdown]
# The model that ships with `d2lsent` (`load_pretrained`: a run of the preset `best`,
# its weights stored as float16) loads in both frameworks too. Its vocabulary carries
# the tokenizer and the length it was trained with, so `read_review(net, vocab, text)`
# reads a review as training did, in either backend: the label, its probability and the
# words the model does not know.

# %%
mx_net, mx_vocab, shipped = d2l.load_pretrained()
pt_net, pt_vocab, _ = d2l_torch.load_pretrained()
print('tokenizer:', mx_vocab.tokenizer, '| tokens read at most:', mx_vocab.num_steps)
readings = [(d2l.read_review(mx_net, mx_vocab, text),
             d2l_torch.read_review(pt_net, pt_vocab, text)) for text, _ in EXAMPLE_REVIEWS]
for (mx_read, pt_read), (text, _) in zip(readings, EXAMPLE_REVIEWS):
    print(f"{mx_read['label']:8} MXNet {mx_read['probability']:.4f}, PyTorch "
          f"{pt_read['probability']:.4f}, unknown words: {mx_read['unknown'] or 'none'} | {text}")
largest = max(abs(a['probability'] - b['probability']) for a, b in readings)
print('the probabilities agree within 1e-5:', largest < 1e-5)

# %%
assert largest < 1e-5
assert all(a['label'] == b['label'] and a['unknown'] == b['unknown'] for a, b in readings)

# %% [markdown]
# ## Summary
#
# * The Gluon `BiRNN` has the parameters of the PyTorch one under the same names in a
#   checkpoint, so a model trained in either framework answers alike in both; the two
#   backends also give the same minibatches, token ids as integers.
# * The book initialises everything with Xavier; `d2lsent` does so only in the book's
#   recipe and otherwise initialises block by block (Gluon 2.0 fuses the LSTM's
#   parameters into one vector, which Xavier rejects).
# * On one device, `d2lsent`'s Gluon training step averages the losses, as PyTorch's
#   loss does, backpropagates and calls `trainer.step(1)`.
# * Call `d2l.setup()` before MXNet's first operation: its threads take their float mode
#   when they start, and MXNet reads `OMP_NUM_THREADS` when it is imported.

# %% [markdown]
# ## Exercises
#
# 1. How many numbers does Gluon 2.0's fused LSTM vector hold for this model (50-d
#    vectors, 100 hidden units, 2 layers, both directions)? Count them from the layer
#    sizes, then check: `exercises.check_fused_size(count)` (`from d2lsent import
#    exercises`).
# 2. The book's step calls `backward` on `loss(net(X), y)`, one loss per review, without
#    reducing it, which backpropagates their sum. Write it as a training step
#    `book_step(net, trainer, loss, X, y)` whose call of `trainer.step` makes it update
#    as `train_step` above does, and check it with
#    `exercises.check_step_scale(book_step)` (`from d2lsent import exercises`). Then check
#    the tempting variant, the summed loss with `trainer.step(1)`: what does the check say?
# 3. Gluon has no `net.train()` and `net.eval()`. Build a model with dropout,
#    `d2l.new_model(len(vocab), 50, preset('book', dropout=0.5))`, and call it twice on
#    the same minibatch outside `autograd.record()` and twice inside it. Which pairs of
#    outputs are equal, and what does PyTorch need instead to predict without dropout?
#
# Worked solutions: [the solutions notebook](solutions/04_birnn_mxnet_solutions.ipynb).
