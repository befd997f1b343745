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
# # Solutions: Sentiment Analysis Using RNNs (MXNet Gluon)
#
# Worked answers to the exercises of [the MXNet chapter](../04_birnn_mxnet.ipynb). Like
# the chapter, they need the `[mxnet]` extra (Python 3.11).

# %%
# %matplotlib inline
import os

# MXNet reads its number of threads when it is imported; without this, it uses half the cores.
os.environ.setdefault('OMP_NUM_THREADS', str(os.cpu_count()))

import inspect

import numpy as onp

from d2lsent import mxnet as d2l

# Process-wide settings (denormals flushed in MXNet's threads, oneDNN's cache): an explicit call.
d2l.setup()

import mxnet as mx
from mxnet import autograd, np
from mxnet.gluon import rnn

from d2lsent import exercises
from d2lsent import torch as d2l_torch
from d2lsent.config import preset

# %% [markdown]
# ## 1. The fused vector's size
#
# Per layer and direction an LSTM has four gates; each has input weights (one row per
# hidden unit, one column per input), hidden weights (one column per hidden unit) and two
# bias vectors. The first layer's inputs are the word vectors; the second layer reads
# both directions' outputs of the first.

# %%
embed_size, num_hiddens, num_layers = 50, 100, 2
gates = 4 * num_hiddens  # rows of each weight matrix, length of each bias vector
count = 0
for layer in range(num_layers):
    inputs = embed_size if layer == 0 else 2 * num_hiddens
    per_direction = gates * inputs + gates * num_hiddens + 2 * gates
    print(f'layer {layer}: {inputs} inputs, {per_direction:,} numbers per direction')
    count += 2 * per_direction  # both directions
print(f'in all: {count:,}')

# %% [markdown]
# The same count from an LSTM of these sizes, array by array (Gluon 1.x keeps one array per
# layer, direction and kind; `d2l.lstm_params` names them in either version):

# %%
lstm = rnn.LSTM(num_hiddens, num_layers=num_layers, bidirectional=True, input_size=embed_size)
lstm.initialize()
arrays = d2l.lstm_params(lstm)
print(len(arrays), 'arrays,', f'{sum(a.size for a in arrays.values()):,} numbers')
assert sum(a.size for a in arrays.values()) == count

# %%
assert exercises.check_fused_size(count)

# %% [markdown]
# ## 2. Scaling the step
#
# Three steps: the chapter's averaged loss with `trainer.step(1)`; the book's summed loss
# (calling `backward` on one loss per review backpropagates their sum) with
# `trainer.step(batch_size)`; and the summed loss with `trainer.step(1)`. The first two
# should pass, the third should not.

# %%
def averaged_step(net, trainer, loss, X, y):
    with autograd.record():
        l = loss(net(X), y).mean()
    l.backward()
    trainer.step(1)


def book_step(net, trainer, loss, X, y):
    with autograd.record():
        l = loss(net(X), y)  # one loss per review; backward sums them
    l.backward()
    trainer.step(X.shape[0])  # divides the gradient by the batch size


def summed_step(net, trainer, loss, X, y):
    with autograd.record():
        l = loss(net(X), y).sum()
    l.backward()
    trainer.step(1)


verdicts = {}
for step in (averaged_step, book_step, summed_step):
    print(f'{step.__name__}: ', end='')
    verdicts[step.__name__] = exercises.check_step_scale(step)

# %%
assert verdicts == {'averaged_step': True, 'book_step': True, 'summed_step': False}

# %% [markdown]
# `trainer.step(n)` divides the gradients by `n` before the optimiser sees them, so the
# summed loss with `step(batch_size)` and the mean with `step(1)` make the same update.
# The summed loss with `step(1)` hands the optimiser a gradient as many times too large
# as there are reviews in the minibatch, and the check says by how much its update is
# larger. (The check uses SGD, whose update is proportional to the gradient: under Adam
# a scaled gradient moves the weights almost as far, as the PyTorch chapter measures.)
#
# ## 3. Dropout without `net.train()`
#
# A model with dropout and a minibatch of token ids drawn at random (the book's recipe:
# no lengths).

# %%
mx.random.seed(0)
net = d2l.new_model(49_346, 50, preset('book', dropout=0.5))
X = np.array(onp.random.default_rng(0).integers(0, 49_346, (4, 20)), dtype='int32')
outside = [net(X).asnumpy() for _ in range(2)]
with autograd.record():  # train mode
    inside = [net(X).asnumpy() for _ in range(2)]
with autograd.record(train_mode=False):  # recording gradients, but predicting
    recording_predict = net(X).asnumpy()
print('outside record(), two calls equal:', bool((outside[0] == outside[1]).all()))
print('inside record(), two calls equal: ', bool((inside[0] == inside[1]).all()))
print('record(train_mode=False) equals outside:', bool(onp.allclose(recording_predict, outside[0])))

# %%
assert (outside[0] == outside[1]).all() and not (inside[0] == inside[1]).all()

# %% [markdown]
# Outside `autograd.record()` Gluon predicts: dropout is off, and two calls give the same
# output. Inside it (by default in *train mode*) dropout draws new masks at every call,
# so the outputs differ. Gluon ties the mode to recording; `record(train_mode=False)`
# records gradients while predicting. So the MXNet backend's `predict_logits` needs no
# switch: it calls the model outside `record()`. PyTorch keeps the mode in the model
# instead, and dropout stays on until `net.eval()`: its backend's `predict_logits` calls
# it, and its `TrainStep` calls `net.train()` before every step.

# %%
print(inspect.getsource(d2l_torch.predict_logits))
