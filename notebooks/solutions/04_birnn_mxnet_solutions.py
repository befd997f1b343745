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
# # Solutions: the BiRNN in MXNet Gluon
#
# Worked answers to the exercises of [the MXNet chapter](../04_birnn_mxnet.ipynb).

# %%
import math

from d2lsent import mxnet as d2l  # before mxnet: its thread setting
from d2lsent import exercises
from d2lsent import lstm_layout as layout
from d2lsent.config import Config

import mxnet as mx  # noqa: E402
from mxnet import autograd, gluon, np  # noqa: E402

# %% [markdown]
# ## 1. The fused vector's size

# %%
shapes = layout.lstm_shapes(embed_size=50, num_hiddens=100, num_layers=2)
count = sum(math.prod(shape) for shape in shapes.values())
print(f'{count:,} numbers in {len(shapes)} arrays:', {k: v for k, v in list(shapes.items())[:4]})
assert exercises.check_fused_size(count)

# %% [markdown]
# ## 2. Two ways to average the gradient

# %%
def one_step(sum_loss):
    mx.random.seed(0)
    net = gluon.nn.Dense(2, in_units=4)
    net.initialize()
    trainer = gluon.Trainer(net.collect_params(), 'adam', {'learning_rate': 0.01})
    X, y = np.arange(12.0).reshape(3, 4) / 10, np.array([0, 1, 1])
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    with autograd.record():
        l = loss(net(X), y).sum() if sum_loss else loss(net(X), y).sum() / len(y)
    l.backward()
    trainer.step(len(y) if sum_loss else 1)
    return net.weight.data().asnumpy()


book, ours = one_step(sum_loss=True), one_step(sum_loss=False)
print('largest difference in the weights after one step:', float(abs(book - ours).max()))
assert abs(book - ours).max() < 1e-7

# %% [markdown]
# ## 3. 100-d vectors

# %%
for embed_size in (50, 100):
    net = d2l.new_model(49_346, embed_size, Config())
    params = d2l.get_params(net)
    total = sum(v.size for v in params.values())
    print(f'{embed_size}-d: {total:,} parameters, of which embedding '
          f"{params['embedding.weight'].size:,}, first LSTM layer "
          f"{sum(v.size for k, v in params.items() if '_l0' in k):,}")

# %% [markdown]
# The extra parameters sit in the embedding (49,346 more rows' worth of 50 numbers) and
# in the first LSTM layer's input weights; the book freezes the embedding, so with 100-d
# vectors it trains only the second set. Whether the accuracy improves needs the
# download and a full run.
