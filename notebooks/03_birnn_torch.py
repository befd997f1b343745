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
# # Sentiment Analysis: Using Recurrent Neural Networks (PyTorch)
#
# Like word similarity and analogy, sentiment analysis can start from pretrained word
# vectors: IMDb's 25,000 training reviews are few, and vectors learned from a large corpus
# may reduce overfitting. This chapter follows *Dive into Deep Learning* (d2l.ai, release
# 1.0.3), Section 16.2 "Sentiment Analysis: Using Recurrent Neural Networks", step by step
# and with its names: the data of the first chapter; a `BiRNN` that looks up each token's
# vector, runs a two-layer bidirectional LSTM over the review and turns the LSTM's outputs
# at the first and the last time step into two scores, *negative* and *positive*; the
# GloVe vectors of the second chapter copied into its embedding and frozen; training with
# Adam; predictions. Every helper comes from `d2lsent`; where it differs from the book,
# the text says how and prints the code.
#
# Two words of this project come up throughout.
#
# * A **preset** is a named set of settings (a `Config`). `book` holds the settings of the
#   book's code: whitespace tokens, no dropout, Adam at a learning rate of 0.01, GloVe
#   frozen, the book recipe (below), the last epoch's parameters. `best` holds those that
#   reached the highest validation accuracy in this project (`Config()`'s defaults; the
#   chapter `05_results` measures what each of them changes).
# * A **recipe** is how the reviews reach the LSTM and how the model is initialised. The
#   *book* recipe cuts or pads every review to 500 tokens, reads the LSTM at steps 0 and
#   499, and initialises as the book does: Xavier on every weight matrix of the LSTM and
#   the decoder. The *fast* recipe, the default, batches reviews of similar length (length
#   buckets), pads each minibatch only to its longest review, and runs a masked LSTM that
#   reads each review at its own first and last token; it also initialises each block on
#   its own: Xavier on the embedding and the decoder, PyTorch's default on the LSTM.
#
# **What this chapter trains**: the preset `book` with one change, the fast recipe, so
# both its batching and its initialisation of the LSTM differ from the book's. The padded
# recipe spends most of its LSTM steps on padding; on a small CPU its full run takes far
# longer, which the section "Making it fast" measures on this machine. The book's padded
# setup itself, trained in full on a GPU, is compared with this chapter's run in "How
# good is it?". Three more differences from the book: the word vectors are GloVe's 50-d
# ones (they ship with `d2lsent` and work offline; the book's are 100-d), 2,500 of the
# training reviews are held out for validation (the book trains on all of them and looks
# only at the test accuracy), and the loss is averaged over a minibatch instead of summed
# ("Training" measures what that changes).
#
# **Smoke and full runs.** The full run trains for 5 epochs on the training reviews less
# those held out, and tests on all 25,000 test reviews. With the environment variable
# `D2LSENT_SMOKE=1` (as CI sets it) it uses 2,000 reviews of each split, cut to 100
# tokens, for 2 epochs instead: too little for a useful model, enough to run every cell.
# The stored outputs say which run made them, and where.

# %%
# %matplotlib inline
# Install d2lsent where this kernel lacks it (on Colab, for example): the PyTorch chapter.
import importlib.util, os, subprocess, sys
if importlib.util.find_spec('d2lsent') is None:
    source = os.environ.get('D2LSENT_SOURCE', 'git+https://github.com/d2lsent/d2lsent')
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--quiet', source], check=True)

# %%
import dataclasses
import inspect
import json
import math
import pathlib
import tempfile
import time

import numpy as np
import torch
from IPython.display import Markdown
from matplotlib import pyplot as plt

import d2lsent
from d2lsent import baseline, evaluation, exercises
from d2lsent import torch as d2l
from d2lsent.config import preset
from d2lsent.imdb import load_imdb
from d2lsent.machine import describe_machine
from d2lsent.plot import Animator, plot_history
from d2lsent.prediction import EXAMPLE_REVIEWS
from d2lsent.results import load_run
from d2lsent.splits import make_splits, split_indices

# Process-wide settings (a cap on oneDNN's kernel cache): an explicit call, not an import's.
d2l.setup()

SMOKE = os.environ.get('D2LSENT_SMOKE') == '1'
# The preset book (the book's settings, with 50-d GloVe) and the fast recipe.
if SMOKE:  # CI: 2,000 reviews of each split, cut to 100 tokens, 2 epochs
    config = preset('book', recipe='fast', limit=2000, num_steps=100, num_epochs=2,
                    valid_size=200)
else:  # all reviews, cut to 500 tokens, 5 epochs, minibatches of 64
    config = preset('book', recipe='fast')

# %% tags=["nbval-ignore-output"]
print('run:', 'smoke' if SMOKE else 'full', '| PyTorch', torch.__version__, '|',
      describe_machine(), '|', d2l.describe_devices())
print(config)

# %% [markdown]
# ## The Data
#
# The book's first cell is `train_iter, test_iter, vocab = d2l.load_data_imdb(64)`:
# minibatches of 64 reviews, each cut or padded to 500 token ids, and the vocabulary of
# the training reviews (chapter `01_imdb_data`). `make_splits` gives the same reviews,
# token ids and vocabulary, and holds out `valid_size` training reviews (drawn with the
# seed) to watch how the model generalises while it trains; the test reviews are only
# measured, never used to choose anything. In the fast recipe a minibatch also carries
# each review's length, and its width is that of its longest review.

# %% tags=["nbval-ignore-output"]
train_iter, valid_iter, test_iter, vocab = make_splits(config, d2l.to_tensor)
X, y, lengths = next(iter(train_iter))
print(f'train {train_iter.num_examples:,}, validation {valid_iter.num_examples:,}, '
      f'test {test_iter.num_examples:,} reviews; {len(train_iter)} minibatches per epoch')
print('one minibatch: X', tuple(X.shape), X.dtype, '| y', tuple(y.shape), y.dtype,
      '| lengths', tuple(lengths.shape), f'from {int(lengths.min())} to {int(lengths.max())}')

# %%
assert len(vocab) == 49_346 and X.dtype == torch.int32
assert X.shape[1] == int(lengths.max()) <= config.num_steps
assert train_iter.num_examples + valid_iter.num_examples == (config.limit or 25_000)

# %% [markdown]
# ## Representing Single Text with RNNs
#
# In the book's `BiRNN` each token of a review gets its vector from the embedding layer
# (`self.embedding`), a bidirectional LSTM encodes the whole sequence (`self.encoder`),
# and the LSTM's last layer's outputs at the first and at the last time step, each
# holding both directions, are concatenated into one representation of the review. A
# fully connected layer (`self.decoder`) turns it into the two scores.
#
# `d2lsent`'s `BiRNN`, below, is the book's with two additions.
#
# * `dropout` zeroes a share of the embedded tokens and of the first LSTM layer's outputs
#   in training; the book's model has none (`dropout=0.0` in the preset `book`).
# * `lengths` switches between the two recipes. Without it, `forward` is the book's: the
#   LSTM runs over every step of the padded reviews and `outputs[0]` and `outputs[-1]` are
#   read. For a review shorter than the padded width, `outputs[-1]` then comes after the
#   padding, not after the review's last word; and the backward direction reads the
#   padding *before* the review, so even `outputs[0]` depends on how much padding follows.
#   With `lengths`, `masked_lstm` runs each direction over each review's own tokens only,
#   and the model reads the outputs at each review's first and last real token. The
#   section "Making it fast" prints `masked_lstm` and checks that its outputs are those of
#   the review run alone.
#
# Both backends, PyTorch's here and Gluon's in the next chapter (`04_birnn_mxnet`), build
# the same parameters under the same names: this project's **model contract**, so that a
# checkpoint saved by one loads in the other. Dropout has no parameters and keeps it.

# %%
print(inspect.getsource(d2l.BiRNN))

# %% [markdown]
# The book builds it with 100-d vectors, 100 hidden units and 2 layers. Let us follow
# two reviews, cut to 10 tokens, through the layers of such a model (`demo`; the model
# we train comes later, with 50-d vectors).

# %%
d2l.seed(0)
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
# ### Initialisation
#
# The book initialises its model with `net.apply(init_weights)`: Xavier on the decoder's
# weights and on every weight matrix of the LSTM, while the LSTM's biases keep PyTorch's
# default and the embedding is left to GloVe. `d2lsent.torch` keeps the book's function
# word for word and `initialize` applies it in the book's recipe (`lstm_xavier=True`).
# In the fast recipe, which this chapter trains, `initialize` works block by block
# instead, and so **differs from the book**: Xavier on the embedding and the decoder, and
# the LSTM keeps PyTorch's own initialisation, uniform in ±1/√(hidden units).

# %%
print(inspect.getsource(d2l.init_weights))
print(inspect.getsource(d2l.initialize))

# %% [markdown]
# The two initialisations of the same model, from the same seed: the spread (standard
# deviation) of a few of its parameters.

# %%
inits = {}
for name, lstm_xavier in (("book's (Xavier everywhere)", True), ('per block', False)):
    d2l.seed(0)
    model = d2l.initialize(d2l.BiRNN(len(vocab), 50, 100, 2), lstm_xavier=lstm_xavier)
    inits[name] = {k: float(v.std()) for k, v in model.state_dict().items()}
print(f"{'parameter':22}" + ''.join(f'{name:>28}' for name in inits))
for key in ('encoder.weight_ih_l0', 'encoder.weight_hh_l0', 'encoder.weight_ih_l1',
            'encoder.bias_ih_l0', 'decoder.weight'):
    print(f'{key:22}' + ''.join(f'{stds[key]:28.4f}' for stds in inits.values()))

# %% [markdown]
# Xavier's spread depends on each matrix's shape, √(2 / (inputs + outputs)), PyTorch's
# default on the number of hidden units alone: the two differ most for the first layer,
# whose inputs are the narrow word vectors. The biases are the same in both, and the
# embedding is overwritten by GloVe next.

# %% [markdown]
# ## Loading Pretrained Word Vectors
#
# The book loads GloVe's 100-d vectors (`d2l.TokenEmbedding('glove.6b.100d')`) and looks
# up the vector of every token in the vocabulary; we load the 50-d vectors that ship with
# `d2lsent`. Tokens without a vector get a row of zeros.

# %%
glove = d2l.TokenEmbedding(config.embedding)
embeds = glove[vocab.idx_to_token]
embeds.shape

# %% [markdown]
# The book then copies these vectors into the embedding,
# `net.embedding.weight.data.copy_(embeds)`, and keeps them fixed in training,
# `net.embedding.weight.requires_grad = False`. Those two lines are the bodies of the
# backend's `copy_embedding` and `freeze_embedding`:

# %%
print(inspect.getsource(d2l.copy_embedding))
print(inspect.getsource(d2l.freeze_embedding))

# %% [markdown]
# `build_model`, written once for both backends, does the book's steps in its order:
# seed, build and initialise, copy the vectors, freeze them (the preset `book` sets
# `freeze_embedding=True`).

# %%
print(inspect.getsource(d2l.build_model))

# %%
net = d2l.build_model(vocab, glove, config)
weight = net.embedding.weight
trained = sum(p.numel() for p in net.parameters() if p.requires_grad)
print('embedding', tuple(weight.shape), '| trained:', weight.requires_grad)
print("row of 'great' equals GloVe's:",
      bool((weight[vocab['great']].detach().cpu().numpy() == glove[['great']][0]).all()))
print('rows without a GloVe vector (zero):', int((weight.abs().sum(dim=1) == 0).sum()))
print(f'parameters: {sum(p.numel() for p in net.parameters()):,}, trained: {trained:,}')

# %% [markdown]
# ## Training and Evaluating the Model
#
# The book trains with Adam at a learning rate of 0.01 for 5 epochs, with the loss
# `nn.CrossEntropyLoss(reduction='none')`, through `d2l.train_ch13`. Its step on one
# minibatch, `train_batch_ch13`, predicts, computes one loss per review, sums them
# (`l.sum().backward()`), and updates. `d2lsent`'s step is the backend's `TrainStep` (one
# per framework, the one operation of training that differs between them): the same on
# one device, except that its loss is the *mean* over the minibatch, PyTorch's default.
# Its optimiser gets only the parameters that are trained (the book gives Adam all of
# them; Adam skips the frozen embedding, which has no gradient: the same updates).

# %%
print(inspect.getsource(d2l.TrainStep.__init__))
print(inspect.getsource(d2l.TrainStep.__call__))

# %% [markdown]
# ### Summing or averaging the loss
#
# Does it matter that the book sums the losses and we average them? Over a minibatch of
# 64 reviews the sum is 64 times the mean, and so is its gradient. SGD's update is the
# learning rate times the gradient: with SGD the sum would take steps 64 times as large,
# and a learning rate would mean something else for each loss. Adam divides each
# coordinate of its update by a running estimate of that coordinate's gradient size;
# scaling the gradient scales both and should leave the update almost unchanged.
#
# The experiment changes the scale of the loss and nothing else: one real minibatch of
# this chapter's training data, the same freshly built model from the same seed, one
# update at this chapter's learning rate, with the summed and with the averaged loss,
# under SGD and under Adam. `exercises.loss_scale` runs it:

# %%
print(inspect.getsource(exercises.loss_scale))

# %% tags=["nbval-ignore-output"]
scale = exercises.loss_scale(config)
print({key: round(value, 4) for key, value in scale.items()})

# %%
batch = scale['batch_size']
assert math.isclose(scale['loss_ratio'], batch, rel_tol=1e-4)
assert math.isclose(scale['gradient_ratio'], batch, rel_tol=1e-4)
assert math.isclose(scale['sgd_update_ratio'], batch, rel_tol=1e-3)
assert abs(scale['adam_update_ratio'] - 1) < 0.05

# %% tags=["nbval-ignore-output"]
Markdown(f"""
Summed over the minibatch of {scale['batch_size']} reviews, the loss is
{scale['loss_ratio']:.1f} times the mean, and so is its gradient
({scale['gradient_ratio']:.1f} times). SGD's first update is
{scale['sgd_update_ratio']:.1f} times as large with the sum; Adam's is
{scale['adam_update_ratio']:.3f} times as large.

Why Adam hardly notices: its first update is the learning rate times m̂ / (√v̂ + ε), and
after one gradient g the estimates are m̂ = g and v̂ = g², so each parameter moves by
the learning rate times g / (|g| + ε), the sign of g whatever its size. Only ε = 1e-8
keeps the ratio from being exactly 1: for parameters whose gradient is that small the
mean moves them a little less than the sum. Later updates keep the property as long as
the scale stays the same throughout a run, since both estimates then scale with it. So
with Adam the book's summed loss and our averaged one train alike at the same learning
rate, and the batch size gives no reason to divide the rate by {scale['batch_size']}.
With SGD it would (exercise 2 of chapter `04_birnn_mxnet` asks how the book's Gluon
code deals with it).
""")

# %% [markdown]
# ### Training
#
# `d2l.train`, shared by both backends, runs the step over every minibatch of every
# epoch, then measures the accuracy on the validation and the test reviews, counted per
# review. The curves are redrawn after every epoch.

# %% tags=["nbval-ignore-output"]
history = d2l.train(net, train_iter, valid_iter, test_iter, config,
                    animator=Animator(config.num_epochs))

# %% tags=["nbval-ignore-output"]
for r in history.records:
    print(f"epoch {r['epoch']}: loss {r['train_loss']:.3f}, train acc {r['train_acc']:.3f}, "
          f"valid acc {r['valid_acc']:.3f}, test acc {r['test_acc']:.3f}, "
          f"{r['examples_per_s']:.1f} examples/s, {r['train_seconds']:.0f} s training")

# %%
# A smoke model is barely trained: there we only check that training ran and kept sane.
assert len(history.records) == config.num_epochs
assert all(0 < r['train_loss'] < 1 for r in history.records)
assert history['test_acc'][-1] > (0.45 if SMOKE else 0.80)

# %% [markdown]
# ## How good is it?
#
# The book's training cell prints a test accuracy of **0.861** in the PyTorch edition
# (d2l.ai release 1.0.3, [Section 16.2](https://d2l.ai/chapter_natural-language-processing-applications/sentiment-analysis-rnn.html),
# the output of its training cell): one run, 100-d
# GloVe frozen, every review padded to 500 tokens, 5 epochs on all 25,000 training
# reviews. This project trained the book's setup in full too (`python -m d2lsent train
# --preset book`: the padded recipe, the book's initialisation, 50-d GloVe frozen) on a
# GPU; its run folder is in the repository, under `docs/runs/`.

# %%
RUNS = pathlib.Path(d2lsent.__file__).parents[1] / 'docs' / 'runs'
assert RUNS.is_dir(), ('The records of earlier runs are in the repository (docs/runs/), not '
                       'in the installed package: clone it to run this section.')
GPU_RUNS = RUNS / 'ablations-h200-2026-12-04'
book_run, book_history = load_run(GPU_RUNS / '1-book-setup')
print({k: book_run[k] for k in ('preset', 'recipe', 'freeze_embedding', 'lr', 'num_epochs',
                                'devices')})
for r in book_history.records:
    print(f"epoch {r['epoch']}: loss {r['train_loss']:.3f}, train acc {r['train_acc']:.3f}, "
          f"valid acc {r['valid_acc']:.3f}, test acc {r['test_acc']:.3f}")

# %% [markdown]
# Both models read the same test reviews, so we compare them review by review (a
# *paired* comparison, as in chapter `05_results`): only the reviews that one gets right
# and the other wrong can make their accuracies differ. A run's `evaluation.json` holds
# its predicted class for each test review, in file order; `evaluate_test_set` gives the
# same for our model, and `baseline.paired_comparison` compares the two.

# %%
def standard_error(accuracy, reviews):
    """The standard error of an accuracy measured on ``reviews`` independent reviews."""
    return math.sqrt(accuracy * (1 - accuracy) / reviews)


test_data = load_imdb(config.num_steps, tokenizer=config.tokenizer)
test_idx = split_indices(config, test_data)[2]  # this run's test reviews (all unless smoke)
labels = test_data.test_labels[test_idx]
ours_report = evaluation.evaluate_test_set(d2l, net, config, data=test_data)
book_report = json.loads((GPU_RUNS / '1-book-setup' / 'evaluation.json').read_text())
correct_ours = np.array(list(ours_report['predicted']), dtype=np.int64) == labels
correct_book = np.array(list(book_report['predicted']), dtype=np.int64)[test_idx] == labels
paired = baseline.paired_comparison(correct_ours, correct_book)

# %%
assert paired['reviews'] == test_iter.num_examples
assert abs(paired['accuracy_a'] - history['test_acc'][-1]) < 1e-3
assert abs(book_report['accuracy'] - book_history['test_acc'][-1]) < 1e-4

# %% tags=["nbval-ignore-output"]
ours, theirs = history['test_acc'][-1], book_history['test_acc'][-1]
smaller = ', and far fewer reviews' if SMOKE else ''
subset = f', the {paired["reviews"]:,} this smoke run reads' if SMOKE else ''
Markdown(f"""
The book's setup with 50-d vectors, trained here on one {book_run['devices'].split(' x ')[1]}
GPU, ends with a test accuracy of {theirs:.3f}; this chapter's {'smoke' if SMOKE else 'full'}
run (the same settings but the fast recipe, with its per-block initialisation{smaller})
ends with {ours:.3f} on {test_iter.num_examples:,} test reviews. One accuracy measured on
{test_iter.num_examples:,} reviews has a standard error of about
{standard_error(ours, test_iter.num_examples):.4f}.

On the same test reviews{subset}, this run alone gets {paired['only_a_right']:,} right and
the book's setup alone {paired['only_b_right']:,}: a difference of
{paired['difference']:+.4f} with a paired standard error of
{paired['standard_error']:.4f} (unpaired, as if the reviews were different:
{paired['unpaired_standard_error']:.4f}), McNemar's p = {paired['p_value']:.3g}. That is
the noise of the test sample only: each run is one seed, and the two also differ in
their machine (a GPU's kernels against a CPU's compute in another order), so only a
difference several times that large says something about the recipes. Against the
book's published number, the smaller vectors count too: 50-d instead of 100-d.
""")

# %% [markdown]
# ## Overfitting
#
# A model *overfits* when it keeps fitting its training reviews better while its accuracy
# on reviews it has not seen stops improving or falls. The curves above show whether this
# run does: the training loss and accuracy against the validation and test accuracies,
# epoch by epoch. With the embedding frozen, only the LSTM and the decoder learn (the
# parameters counted above).

# %% tags=["nbval-ignore-output"]
last, peak = history.records[-1], history.best_epoch()
chance = standard_error(last['valid_acc'], valid_iter.num_examples)
if peak == config.num_epochs:
    trend = 'is highest at the last epoch: no sign yet that the model has begun to overfit'
else:
    trend = (f'was highest at epoch {peak} of {config.num_epochs} and has fallen by '
             f"{history['valid_acc'][peak - 1] - last['valid_acc']:.3f} since")
Markdown(f"""
At the last epoch the training accuracy is {last['train_acc']:.3f} and the validation
accuracy {last['valid_acc']:.3f}, a gap of {last['train_acc'] - last['valid_acc']:+.3f}.
The validation accuracy {trend}. A validation accuracy on {valid_iter.num_examples:,}
reviews moves by about {chance:.3f} (one standard error) by chance alone, so a smaller
change says little.
""")

# %% [markdown]
# What changes when the embedding is trained too? Two runs of the book's setup on the GPU
# differ in that one setting: `1-book-setup` keeps GloVe frozen, as the book does,
# `2-fine-tuned` trains the embedding, one vector per vocabulary token, with the rest
# (`freeze_embedding=False`).

# %%
tuned_run, tuned_history = load_run(GPU_RUNS / '2-fine-tuned')
differ = {k: (book_run[k], tuned_run[k]) for k in book_run
          if k not in ('machine',) and book_run[k] != tuned_run[k]}
print('settings that differ:', differ)
fig, axes = plt.subplots(1, 2, figsize=(8, 3), sharey=True)
for ax, (name, h) in zip(axes, (('1-book-setup (frozen)', book_history),
                                ('2-fine-tuned', tuned_history))):
    for key in ('train_acc', 'valid_acc', 'test_acc'):
        ax.plot(h['epoch'], h[key], 'o-', label=key.replace('_', ' '))
    ax.set_title(name)
    ax.set_xlabel('epoch')
axes[0].legend()
fig.tight_layout()
plt.show()

# %%
assert differ == {'freeze_embedding': (True, False)}

# %%
best = tuned_history.best_epoch()
# What the text below says of the two recorded runs.
assert abs(book_history['train_acc'][-1] - book_history['valid_acc'][-1]) < 0.01
assert tuned_history['train_loss'][-1] < book_history['train_loss'][-1]
assert tuned_history['train_acc'][-1] > book_history['train_acc'][-1]
assert best < len(tuned_history.records)
assert tuned_history['valid_acc'][-1] < tuned_history['valid_acc'][best - 1]
assert tuned_history['test_acc'][-1] < tuned_history['test_acc'][best - 1]
assert tuned_history['test_acc'][-1] < book_history['test_acc'][-1]
Markdown(f"""
Frozen, the training and the validation accuracy end close together: at the last epoch
{book_history['train_acc'][-1]:.3f} and {book_history['valid_acc'][-1]:.3f}. Fine-tuned,
the model fits its training reviews far better (training loss
{tuned_history['train_loss'][-1]:.3f} and training accuracy
{tuned_history['train_acc'][-1]:.3f} at the last epoch, against
{book_history['train_loss'][-1]:.3f} and {book_history['train_acc'][-1]:.3f} frozen),
but its validation accuracy peaks at epoch {best} ({tuned_history['valid_acc'][best - 1]:.3f})
and falls to {tuned_history['valid_acc'][-1]:.3f}, and its test accuracy falls from
{tuned_history['test_acc'][best - 1]:.3f} to {tuned_history['test_acc'][-1]:.3f}, below the
frozen model's {book_history['test_acc'][-1]:.3f}. With {embeds.size / 1e6:.1f} million
more trainable numbers, those of its embedding, the model can learn the rare words of
each training review by heart: the overfitting that the book's frozen vectors avoid.

`keep_best_epoch` is this project's answer when training can overfit: a `Config` setting
(on in the preset `best`, off in `book`, since the book keeps the last epoch) that saves
the parameters after every epoch that raises the validation accuracy and ends training
with the best ones. It chooses the epoch on the validation reviews, never on the test
reviews. For `2-fine-tuned` it would have ended with epoch {best}'s parameters, test
accuracy {tuned_history['test_acc'][best - 1]:.3f} instead of
{tuned_history['test_acc'][-1]:.3f}. It does not stop the overfitting; it keeps the
model from ending in it. Dropout and a smaller learning rate, in the preset `best`, act
on the overfitting itself (chapter `05_results`).
""")

# %% [markdown]
# ## Predictions
#
# The book ends with `predict_sentiment(net, vocab, 'this movie is so great')` and `'this
# movie is so bad'`. Ours returns the label and its probability, and reads the text as
# the vocabulary's training reviews were read: split on whitespace (so put spaces around
# punctuation) and cut to `num_steps` tokens, which the vocabulary carries.

# %% tags=["nbval-ignore-output"]
for text in ('this movie is so great', 'this movie is so bad'):
    label, prob = d2l.predict_sentiment(net, vocab, text)
    print(f'{label:8} {prob:.3f}: {text}')

# %% [markdown]
# A check of the trained model: reviews that are clearly positive and clearly negative
# must get different labels. A model that learned the labels the wrong way round, or
# whose reviews and labels were shuffled apart, fails here.

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
# ## Saving and loading
#
# A checkpoint holds the weights, the vocabulary (with its tokenizer and `num_steps`) and
# the settings together, so a reloaded model predicts the same.

# %%
with tempfile.TemporaryDirectory() as folder:
    path = d2l.save_model(net, vocab, config, os.path.join(folder, 'model.npz'))
    reloaded, reloaded_vocab, _ = d2l.load_model(path)
same = [d2l.predict_sentiment(reloaded, reloaded_vocab, text) ==
        d2l.predict_sentiment(net, vocab, text) for text, _ in EXAMPLE_REVIEWS]
print('same predictions after reloading:', all(same))

# %% [markdown]
# ## Making it fast: length buckets and masked recurrence
#
# The book pads every review to 500 tokens, so most of what its LSTM reads is padding.
# The fast recipe changes two things and keeps every parameter:
#
# * **Length buckets** (`d2l.Buckets`): each minibatch holds reviews of similar length and
#   is padded only to its longest review; the order of the minibatches is shuffled.
# * **Masked recurrence** (`d2l.masked_lstm`): each direction of each layer runs on its
#   own, the backward one on every review reversed within its length, so the outputs at
#   the real tokens are exactly those of the review run alone.
#
# (It also flushes floats too small for the normal range, denormals, to zero in every
# thread, `d2l.flush_denormals`: some CPUs handle them slowly. `BENCHMARKS.md` measures
# what that changes.)

# %%
print(inspect.getsource(d2l.masked_lstm))

# %% [markdown]
# How much of what the LSTM reads is padding, over all 25,000 training reviews cut to
# 500 tokens:

# %%
full = preset('book', recipe='fast')  # the full run's settings, whatever this run's size
data = load_imdb(full.num_steps)
buckets = d2l.Buckets((data.train_features, data.train_labels), data.train_lengths,
                      full.batch_size)
print(f'padding, book recipe:    {1 - data.train_lengths.mean() / full.num_steps:.1%} '
      'of the positions')
print(f'padding, length buckets: {buckets.padding_fraction():.1%} of the positions')

# %% [markdown]
# The masked outputs of a short review inside a padded minibatch are those of the review
# on its own; the book's path, reading after the padding, gives another encoding.
# (`demo` is the untrained model of the shapes above.)

# %% tags=["nbval-ignore-output"]
X, y, lens = next(iter(valid_iter))
X, lens = X[[0, -1]], lens[[0, -1]]  # the shortest and the longest review of the minibatch
with torch.no_grad():
    alone = demo(X[:1, :lens[0]])
    print('alone:', alone, '\nmasked:', demo(X, lens)[:1], '\nbook:', demo(X)[:1])

# %%
with torch.no_grad():
    assert torch.allclose(demo(X, lens)[:1], alone, atol=1e-5)
    assert not torch.allclose(demo(X)[:1], alone, atol=1e-5)

# %% [markdown]
# What the padding costs, measured here: 256 training reviews drawn at random, trained on
# for one step per minibatch of 64 and read once, padded to 500 tokens and in length
# buckets, each with a freshly built model of this chapter's settings. From the seconds
# per review follows an estimate of each recipe's full run on this machine: 5 epochs,
# each training on the training reviews and reading the validation and test reviews.

# %% tags=["nbval-ignore-output"]
rng = np.random.default_rng(0)
sample = np.sort(rng.choice(len(data.train_labels), 256, replace=False))
arrays = (data.train_features[sample], data.train_labels[sample])
recipes = {'book': d2l.Minibatches(arrays, 64, convert=d2l.to_tensor),
           'fast': d2l.Buckets(arrays, data.train_lengths[sample], 64, convert=d2l.to_tensor)}


def seconds_per_review(recipe, train):
    """Seconds per review of one training step (``train``) or one reading, in ``recipe``."""
    settings = dataclasses.replace(full, recipe=recipe)
    model = d2l.build_model(data.vocab, glove, settings)
    step = d2l.TrainStep(model, settings, next(model.parameters()).device)
    batches = list(recipes[recipe])
    with d2l.flush_denormals(recipe == 'fast'):  # as d2l.train does
        for i, (X, y, *lens) in enumerate([batches[0]] + batches):  # the first: a warm-up
            if i == 1:
                start = time.perf_counter()
            if train:
                step(X, y, *lens)
            else:
                d2l.predict_logits(model, X, *lens)
    return (time.perf_counter() - start) / len(sample)


timing = {recipe: (seconds_per_review(recipe, True), seconds_per_review(recipe, False))
          for recipe in recipes}
reviews = (25_000 - full.valid_size, full.valid_size + 25_000)  # trained on, read
minutes = {recipe: full.num_epochs * (reviews[0] * train_s + reviews[1] * read_s) / 60
           for recipe, (train_s, read_s) in timing.items()}
for recipe, (train_s, read_s) in timing.items():
    print(f'{recipe:4}: {1 / train_s:5.1f} reviews/s training, {1 / read_s:6.1f} reading; '
          f'a full run: about {minutes[recipe]:.0f} min')

# %%
assert timing['fast'][0] < timing['book'][0]

# %% tags=["nbval-ignore-output"]
run_minutes = (sum(history['train_seconds']) + sum(history['eval_seconds'])) / 60
Markdown(f"""
On this machine (the first output names it) the length buckets train
{timing['book'][0] / timing['fast'][0]:.1f} times as fast as the padded minibatches and
read {timing['book'][1] / timing['fast'][1]:.1f} times as fast.
A full run would take about {minutes['book']:.0f} minutes with the book's padding and
{minutes['fast']:.0f} with length buckets; this chapter's {'smoke' if SMOKE else 'full'}
run took {run_minutes:.1f} minutes{' (a smoke run is far smaller)' if SMOKE else ''}.
""")

# %% [markdown]
# ## Summary

# %%
Markdown(f"""
* The `BiRNN` represents a review by the bidirectional LSTM's outputs at its first and
  its last step (4 × 100 numbers) and maps them to two classes; with 50-d GloVe it has
  {sum(p.numel() for p in net.parameters()):,} parameters, {trained:,} of them trained
  when the embedding is frozen, as the book freezes it.
* The book sums the minibatch's losses, `d2lsent` averages them: with Adam the updates are
  nearly the same, which the loss-scale experiment measures; with SGD they would differ
  by the batch size.
* Fine-tuning the embedding fits the training reviews far better and the test reviews
  worse: it overfits; `keep_best_epoch` chooses the epoch on validation.
* The fast recipe trains the same parameters on length buckets with a masked LSTM: almost
  no padding, and the outputs read are those at each review's real first and last token.
  It initialises each block on its own (PyTorch's default on the LSTM), where the book
  puts Xavier on every weight matrix.
""")

# %% [markdown]
# ## Exercises
#
# 1. (From the book) Increase the number of epochs. Can you improve the training and test
#    accuracies? Before training, read a run that did: the preset `best` trained for 8
#    epochs in `docs/runs/torch-8-epochs-intel-2026-12-01/` (its `metrics.json` holds one
#    record per epoch). Where does the validation accuracy peak, which epoch does
#    `keep_best_epoch` keep, and what do the training loss and the test accuracy do after
#    it?
# 2. The book's model reads the LSTM at step 0 and step 499 of a review padded to 500
#    steps; the fast recipe reads it at the review's first and last token. Take the model
#    that ships with `d2lsent` (`d2l.load_pretrained()`, trained with the fast recipe)
#    and a few short test reviews: how far apart are its probabilities for the same
#    review read the two ways?
# 3. (From the book, with this project's tokenizer) The book suggests a better tokenizer.
#    `Config(tokenizer='glove')` splits reviews as GloVe's tokens are spelled (lower case,
#    punctuation and clitics split off). The GPU runs `3-fast-recipe` and
#    `4-glove-tokens` in `docs/runs/ablations-h200-2026-12-04/` should differ in that
#    setting only: check that they do, compare their validation and test accuracies, and
#    judge the difference against the noise of one run (chapter 05 returns to this pair
#    with a paired test: judge it here first).
#
# Worked solutions: [the solutions notebook](solutions/03_birnn_torch_solutions.ipynb).
