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
# # Sentiment analysis with a bidirectional LSTM (MXNet Gluon)
#
# The same model as in the PyTorch notebook, written with Gluon on MXNet's numpy
# interface, as in the book's MXNet edition. Both backends follow one contract: the
# same data and vocabulary, the same shapes and the same parameters, so a model trained
# in one runs in the other. The story (data, model, GloVe, training, predictions, the
# fast recipe, the learning rate) is told in the PyTorch notebook, `03_birnn_torch`;
# this one shows what Gluon does differently: how it stores and initialises the LSTM's
# parameters (Gluon 1.x and 2.0 differ), how its trainer scales the gradient, and how a
# trained Gluon model becomes a PyTorch one.
#
# **Smoke and full runs.** With `D2LSENT_SMOKE=1` (as CI sets it) the notebook trains a
# small model on 2,000 reviews cut to 100 tokens (2 epochs); otherwise the 22,500 training
# reviews (2,500 held out for validation) for 5 epochs with the fast recipe. The stored
# outputs say which run produced them and where.

# %%
# %matplotlib inline
import inspect
import os
import tempfile

# d2lsent.mxnet first: it flushes denormals and sets MXNet's thread count, which
# MXNet's worker threads take when MXNet starts (on its first import).
from d2lsent import mxnet as d2l

import mxnet as mx
import numpy as onp
import torch

from d2lsent import torch as d2l_torch
from d2lsent.config import Config
from d2lsent.machine import describe_machine
from d2lsent.plot import Animator
from d2lsent.prediction import EXAMPLE_REVIEWS
from d2lsent.splits import make_splits

SMOKE = os.environ.get('D2LSENT_SMOKE') == '1'
# The settings of the PyTorch notebook: the book's whitespace tokens, model sizes, rate
# and epochs (Config()'s defaults are the preset best, see 05_results). Unlike the book:
# 50-d GloVe fine-tuned (book: 100-d, frozen), 2,500 reviews held out, the fast recipe,
# Xavier on embedding and decoder only.
SETTINGS = dict(tokenizer='book', dropout=0.0, lr=0.01, keep_best_epoch=False)
if SMOKE:
    config = Config(limit=2000, num_steps=100, num_epochs=2, valid_size=200, **SETTINGS)
else:
    config = Config(**SETTINGS)  # all reviews, 500 steps, 5 epochs, batch 64

# %% tags=["nbval-ignore-output"]
print('run:', 'smoke' if SMOKE else 'full', '| MXNet', mx.__version__, '|', describe_machine(),
      f'| {d2l.num_threads()} threads, denormals flushed: {d2l.FLUSHING}')
print(config)

# %% [markdown]
# ## Data
#
# The splits and minibatches are those of the PyTorch notebook: the shared data layer
# draws the order with numpy from the seed, and only the final conversion differs. Token
# ids stay integers (`int32`); the book's `np.array` would turn them into `float32`.

# %% tags=["nbval-ignore-output"]
train_iter, valid_iter, test_iter, vocab = make_splits(config, d2l.to_tensor)
print(f'train {train_iter.num_examples:,}, validation {valid_iter.num_examples:,}, '
      f'test {test_iter.num_examples:,} reviews; {len(train_iter)} batches per epoch')

# %% tags=["nbval-ignore-output"]
X, y, lengths = next(iter(train_iter))
print('X', X.shape, X.dtype, '| y', y.shape, y.dtype, '| lengths', lengths.shape)
assert len(vocab) == 49_346 and X.dtype == onp.int32

# %% [markdown]
# ## The model
#
# `rnn.LSTM` reads time-major input, so the token ids are transposed before the
# embedding, as in PyTorch. With `lengths` (the fast recipe) the outputs are read at
# each review's first and last real token; `masked_lstm` runs the backward direction on
# each review's own tokens, reversed by indexing. `dropout` works as in PyTorch. The
# shapes through the layers are those of the PyTorch notebook.

# %%
print(inspect.getsource(d2l.BiRNN))

# %% [markdown]
# The contract in one table: the Gluon model and the PyTorch model of the same sizes,
# their parameters under the names a checkpoint uses (`get_params`), side by side.

# %%
mx.random.seed(0)
demo = d2l.BiRNN(len(vocab), embed_size=100, num_hiddens=100, num_layers=2)
d2l.initialize(demo, mx.cpu())
gluon_params = d2l.get_params(demo)
torch_params = d2l_torch.get_params(d2l_torch.BiRNN(len(vocab), 100, 100, 2))
print(f"{'parameter':30} {'Gluon':>12} {'PyTorch':>12}")
for name, value in gluon_params.items():
    print(f'{name:30} {str(value.shape):>12} {str(torch_params[name].shape):>12}')
print('parameters:', f'{sum(v.size for v in gluon_params.values()):,}')
assert {k: v.shape for k, v in gluon_params.items()} == {k: v.shape for k, v in torch_params.items()}

# %% [markdown]
# ## Initialising per block, then with GloVe
#
# The book initialises the whole network at once, `net.initialize(init.Xavier())`
# (Xavier on the embedding, every LSTM weight matrix and the decoder; Gluon's LSTM starts
# its biases at zero). Here each block is initialised on its own: Xavier for the
# embedding and the decoder, the LSTM's own default. Why: the LSTM's parameters are
# stored differently in the two Gluon versions. Gluon 1.x keeps one array per layer,
# direction and kind; Gluon 2.0 fuses them into one 1-D vector, which Xavier (it needs
# 2-D fan-in and fan-out) rejects. `lstm_xavier=True` (what `recipe='book'` asks for)
# does what the book does, in Gluon 2.0 matrix by matrix into the fused vector.
# `d2l.lstm_params` names the LSTM's parameters the same way in both versions.

# %%
print(inspect.getsource(d2l.initialize))
print('MXNet', mx.__version__, '| LSTM parameters:',
      {name: p.shape for name, p in demo.encoder.collect_params().items()})

# %%
glove = d2l.TokenEmbedding(config.embedding)
net = d2l.build_model(vocab, glove, config)
weight = net.embedding.weight.data()
print('embedding', weight.shape, '| grad_req:', net.embedding.weight.grad_req)
print("row of 'great' equals GloVe's:",
      bool((weight[vocab['great']].asnumpy() == glove[['great']][0]).all()))

# %% [markdown]
# ## Training
#
# Gluon's loss is one number per example. The book's `train_batch_ch13` (d2l 1.0.3)
# lets `backward` sum it over the minibatch and calls `trainer.step(labels.shape[0])`,
# which divides the gradient by the batch size (in Gluon 1.9.1 and 2.0 alike). `d2lsent`
# divides the summed loss by the batch size itself and calls `trainer.allreduce_grads()`
# and `trainer.update(workers)`, which on one process is `trainer.step(1)`: the same
# update, and it stays the same when several workers share a minibatch. Either way it
# equals PyTorch's with its averaged loss: the same learning rate means the same here. The step also splits a minibatch
# between devices (several GPUs) and sums the workers' gradients (several processes),
# as the book's multi-GPU training does.

# %%
print(inspect.getsource(d2l.make_train_step))

# %% [markdown]
# The training loop, the per-example accuracy and the curves are shared with the
# PyTorch backend (`d2lsent.training.train_epochs`).

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
assert history['test_acc'][-1] > (0.55 if SMOKE else 0.80)

# %% [markdown]
# ## Predictions
#
# The final check: clearly positive and clearly negative reviews get different labels.

# %%
predictions = [(d2l.predict_sentiment(net, vocab, text), expected)
               for text, expected in EXAMPLE_REVIEWS]
for ((label, prob), expected), (text, _) in zip(predictions, EXAMPLE_REVIEWS):
    print(f'{label:8} (expected {expected}): {text}')
assert [label for (label, _), _ in predictions] == [e for _, e in EXAMPLE_REVIEWS]

# %% [markdown]
# ## From Gluon to PyTorch
#
# A checkpoint names every parameter as PyTorch does. Both frameworks order the LSTM's
# gates alike (input, forget, cell, output) and keep two bias vectors per layer and
# direction, so converting only renames (Gluon 1.x) or unpacks (Gluon 2.0) the arrays.
# We save the trained Gluon model, load it into PyTorch and compare.

# %% tags=["nbval-ignore-output"]
with tempfile.TemporaryDirectory() as folder:
    path = d2l.save_model(net, vocab, config, os.path.join(folder, 'model.npz'))
    torch_net, _, _ = d2l_torch.load_model(path, vocab)
for text, _ in EXAMPLE_REVIEWS:
    print(d2l.predict_sentiment(net, vocab, text), d2l_torch.predict_sentiment(torch_net, vocab, text))
X, y, lengths = next(iter(test_iter))
mx_logits = net(X, lengths).asnumpy()
with torch.no_grad():
    pt_logits = torch_net(torch.from_numpy(X.asnumpy()), torch.from_numpy(lengths.asnumpy())).numpy()
print(f'largest logit difference on a test minibatch: {abs(mx_logits - pt_logits).max():.1e}')
assert abs(mx_logits - pt_logits).max() < 1e-4
assert (mx_logits.argmax(axis=1) == pt_logits.argmax(axis=1)).all()

# %% [markdown]
# ## Summary
#
# * The Gluon BiRNN has the same parameters as the PyTorch one, under the same names in
#   a checkpoint; a trained model moves between the frameworks with identical
#   predictions.
# * Dividing the summed loss by the batch size (or `trainer.step(batch_size)`, as the
#   book does) averages the gradient, so Adam's learning rate carries over from PyTorch
#   unchanged.
# * MXNet has no switch for denormal floats; `d2lsent.mxnet` flushes them in the
#   importing thread before MXNet starts its worker threads, which inherit the mode;
#   so import `d2lsent.mxnet` before `mxnet` (it warns otherwise).

# %% [markdown]
# ## Exercises
#
# 1. How many numbers does Gluon 2.0's fused LSTM vector hold for this model (50-d
#    vectors, 100 hidden units, 2 layers, both directions)? Check:
#    `exercises.check_fused_size(count)` (`from d2lsent import exercises`).
# 2. Show on a small network that summing the loss and calling `trainer.step(batch_size)`
#    (the book) and averaging it and calling `trainer.step(1)` (d2lsent) give the same
#    parameters after one Adam step.
# 3. (From the book) Larger word vectors: with 100-d GloVe (`--embedding glove.6b.100d`,
#    a download), how many parameters does the model have, and where do the extra ones
#    sit?
#
# Worked solutions: [the solutions notebook](solutions/04_birnn_mxnet_solutions.ipynb).
