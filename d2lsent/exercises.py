"""Checks for the chapter's exercises: call one with your answer, it says right or wrong,
and why; and the experiment that notebook 03 quotes on the scale of the loss.

Each check computes the true answer from the data (it never stores it), with its own
private helpers (a worked solution computes its answer itself, never with the checker's
code), compares it with yours and prints one line: ``right`` with what the answer
means, or ``not yet`` with a hint that does not give the number away, naming the
mistake where your answer is a known one (the share over the training and the test
reviews, the share of the real tokens...). It returns whether you were right. A share
is right within ``SHARE_TOLERANCE`` (three decimals, rounded), close enough to tell
those mistakes from the answer; counts must be exact. The worked solutions are the
notebooks in ``notebooks/solutions/``.
"""
import collections
import math

import numpy as np

from . import glove, imdb, lstm_layout, text
from .config import Config

SHARE_TOLERANCE = 0.0005  # a share rounded to three decimals passes


def _verdict(answer, truth, meaning, hint, mistakes=(), tolerance=0):
    """Print and return whether ``answer`` is within ``tolerance`` of ``truth`` (numbers,
    or tuples of numbers): ``right: MEANING``, or ``not yet: HINT`` led by what the
    answer is when it matches one of ``mistakes``, ``(value, what it is)`` pairs."""
    def near(value):
        return bool(np.all(np.abs(np.subtract(answer, value)) <= tolerance))
    if near(truth):
        print(f'right: {meaning}')
        return True
    named = [f'{what}. ' for value, what in mistakes if near(value)]
    print(f"not yet: {''.join(named[:1])}{hint}")
    return False


def _share_verdict(answer, truth, meaning, hint, mistakes):
    """``_verdict`` for a share (a fraction), within ``SHARE_TOLERANCE``."""
    if 1 < answer <= 100:
        mistakes = [(answer, 'A share is a fraction (0.25), not a percentage (25)')]
    return _verdict(answer, truth, meaning, f'{hint} Give three decimals or more.',
                    mistakes, SHARE_TOLERANCE)


def _padding_share(lengths, num_steps):
    """Share of the positions of reviews of these (cut) ``lengths``, padded to
    ``num_steps``, that hold padding."""
    return 1 - lengths.sum() / (len(lengths) * num_steps)


def check_padding_share(answer, num_steps=250):
    """Exercise 01.1: the share of padding in the training features at ``num_steps``
    (the book's tokens; a fraction, e.g. 0.123, within ``SHARE_TOLERANCE``)."""
    data = imdb.load_imdb(num_steps)
    truth = _padding_share(data.train_lengths, num_steps)
    both = _padding_share(np.concatenate([data.train_lengths, data.test_lengths]),
                          num_steps)
    return _share_verdict(
        answer, truth,
        f'at {num_steps} steps {truth:.1%} of the positions are padding (at 500: '
        f"{_padding_share(imdb.load_imdb(500).train_lengths, 500):.1%}); the book's LSTM, "
        f'which reads every review to num_steps, reads every one of them.',
        f'count the positions whose token is not padding, using each review\'s length '
        f'cut to {num_steps} (data.train_lengths: the training features only), and divide '
        f'by 25,000 x {num_steps}.',
        [(both, 'That is the share over the training and the test features together'),
         (1 - truth, 'That is the share of the real tokens, not of the padding'),
         (float((data.train_features == data.vocab['<unk>']).mean()),
          "That counts every position holding <unk>'s id, but the book pads with <unk>: "
          'the unknown words inside the reviews are counted too')])


def check_truncated(answer, num_steps=500):
    """Exercise 01.2: how many training reviews are longer than ``num_steps`` tokens
    (and so lose their end)."""
    data = imdb.load_imdb(num_steps)
    truth = int((data.train_num_tokens > num_steps).sum())
    return _verdict(
        answer, truth,
        f'{truth:,} of 25,000 training reviews ({truth / 25_000:.1%}) lose their end at '
        f'{num_steps} steps: for them the book\'s model never sees the last words.',
        'compare each review\'s length before truncation (data.train_num_tokens) with '
        f'{num_steps}; the answer is a whole number of reviews.',
        [(int((data.train_num_tokens >= num_steps).sum()),
          f'That counts the reviews of exactly {num_steps} tokens too, which keep all of '
          f'theirs'),
         (truth + int((data.test_num_tokens > num_steps).sum()),
          'That counts the test reviews too')])


def _reserved_pad_vocab(min_freq=5):
    """The book's training vocabulary built again with ``'<pad>'`` reserved (from the
    token counts the vocabulary keeps: no tokenizing)."""
    counts = collections.Counter(dict(imdb.load_imdb().vocab.token_freqs))
    return text.Vocab(counts, min_freq, reserved_tokens=['<pad>'])


def check_reserved_pad(vocab_size, pad_id):
    """Exercise 01.3: with ``reserved_tokens=['<pad>']``, the vocabulary's size and the
    id of ``'<pad>'``."""
    book, vocab = imdb.load_imdb().vocab, _reserved_pad_vocab()
    moved = sum(vocab[t] != book[t] for t in book.idx_to_token)
    return _verdict(
        (vocab_size, pad_id), (len(vocab), vocab['<pad>']),
        f"{len(vocab):,} tokens, '<pad>' is id {vocab['<pad>']}: the index is sorted, so "
        f'the {moved:,} tokens after it move up by one and a saved model no longer fits '
        f"this vocabulary; padding gets an embedding row of its own instead of '<unk>''s "
        f'row.',
        "build text.Vocab from the training tokens with min_freq=5 and "
        "reserved_tokens=['<pad>'], then look at len(vocab) and vocab['<pad>'] (the "
        'index is sorted alphabetically, as in the book).',
        [((len(book), vocab['<pad>']), "That size is the book's vocabulary's, without "
                                       "'<pad>'"),
         ((len(vocab), 0), "'<pad>' does not come first: reserved tokens are sorted with "
                           'the others'),
         ((len(vocab), vocab['<unk>']), "That id is '<unk>''s in the new vocabulary")])


def _glove_coverage(tokenizer, embedding='glove.6b.50d-packaged'):
    """``glove.coverage`` of the training vocabulary built with ``tokenizer``."""
    return glove.coverage(imdb.load_imdb(tokenizer=tokenizer).vocab,
                          glove.TokenEmbedding(embedding))


def check_coverage(answer, tokenizer='glove'):
    """Exercise 02.1: the share of the vocabulary's entries (``'<unk>'`` aside) that
    have a GloVe vector with ``tokenizer`` (a fraction, within ``SHARE_TOLERANCE``)."""
    found, book = _glove_coverage(tokenizer), _glove_coverage('book')
    truth = found.vocab_found / found.vocab_size
    return _share_verdict(
        answer, truth,
        f'{truth:.1%} of {found.vocab_size:,} entries with the {tokenizer} tokenizer, '
        f'against {book.vocab_found / book.vocab_size:.1%} of {book.vocab_size:,} with the '
        f"book's: GloVe's tokens are lower-case with punctuation split off, so tokens made "
        f'the same way find their vector far more often.',
        f'build the vocabulary with imdb.load_imdb(tokenizer={tokenizer!r}) and count the '
        'entries other than <unk> that the embedding knows (glove.coverage does it).',
        [(found.tokens_found / found.tokens_total,
          "That is the share of the token occurrences, not of the vocabulary's entries"),
         (book.vocab_found / book.vocab_size,
          "That is the share with the book's tokenizer")])


def check_fused_size(answer, embed_size=50, num_hiddens=100, num_layers=2):
    """Exercise 04.1: how many numbers Gluon 2.0's fused vector holds for a bidirectional
    LSTM of these sizes."""
    shapes = lstm_layout.lstm_shapes(embed_size, num_hiddens, num_layers)
    truth = sum(math.prod(shape) for shape in shapes.values())
    gates = lstm_layout.GATES * num_hiddens  # rows of each weight, length of each bias
    return _verdict(
        answer, truth,
        f'{truth:,} numbers: per layer and direction four gates\' input and hidden weights '
        f'and two bias vectors ({len(shapes)} arrays, all weights first, then all biases).',
        'per layer and direction: 4 x hidden rows of input weights (input width: the '
        'embedding in layer 0, both directions\' outputs above), 4 x hidden rows of '
        'hidden weights (hidden columns), and two bias vectors of 4 x hidden.',
        [(truth // 2, 'That is one direction'),
         (truth - 2 * num_layers * gates, 'That has one bias vector per layer and '
                                          'direction, not two'),
         (truth - 2 * (num_layers - 1) * gates * num_hiddens,
          "That reads one direction's outputs in the layers above the first, not both")])


def check_step_scale(train_step, batch_size=8):
    """Exercise 04.2: is ``train_step(net, trainer, loss, X, y)``, one step of MXNet
    Gluon training on the minibatch ``(X, y)`` (``loss(net(X), y)`` gives one loss per
    example; you reduce it, backpropagate and call ``trainer.step``), the same as the
    averaged loss with ``trainer.step(1)``?

    It takes one step on a small network and a minibatch of ``batch_size`` with your
    step and with that one, from the same start, and compares the parameters' changes.
    With SGD: Adam would hide the difference, dividing each step by the
    gradient's running size (a gradient ``batch_size`` times too large moves the weights
    almost as far: ``loss_scale``), while SGD's step is proportional to the gradient.
    """
    from . import backend
    backend.load('mxnet')  # d2lsent.mxnet before mxnet: its threads' float mode
    import mxnet as mx
    from mxnet import gluon
    from mxnet import np as mxnp

    def updates(step):
        mx.random.seed(0)
        net = gluon.nn.Dense(2, in_units=4)
        net.initialize()
        trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.1})
        rng = np.random.default_rng(0)
        X = mxnp.array(rng.normal(size=(batch_size, 4)), dtype='float32')
        y = mxnp.array(np.arange(batch_size) % 2, dtype='float32')
        params = list(net.collect_params().values())
        start = [p.data().asnumpy().copy() for p in params]
        step(net, trainer, gluon.loss.SoftmaxCrossEntropyLoss(), X, y)
        return np.concatenate([(p.data().asnumpy() - s).ravel()
                               for p, s in zip(params, start)])

    yours, mean = updates(train_step), updates(_mean_step)
    ratio = np.linalg.norm(yours) / np.linalg.norm(mean)
    return _verdict(
        yours, mean,
        'your step makes the averaged loss\'s updates: trainer.step(n) divides the '
        'gradients by n before the optimiser sees them, so a summed loss with '
        'step(batch_size) and the mean with step(1) train alike, with any optimiser.',
        f'your updates are {ratio:.3g} times as large as those of the averaged loss with '
        f'trainer.step(1) (SGD, one step): the gradient of a summed loss is the '
        'batch size times the mean\'s, and trainer.step(n) divides the gradients by n.',
        tolerance=1e-6)  # float32 rounding; the updates here are 1e-4 to 1e-2


def _mean_step(net, trainer, loss, X, y):
    """The reference of ``check_step_scale``: the averaged loss, ``trainer.step(1)``."""
    from mxnet import autograd
    with autograd.record():
        l = loss(net(X), y).mean()
    l.backward()
    trainer.step(1)


def loss_scale(config=None):
    """The experiment behind notebook 03's "Summing or averaging the loss": does the scale
    of the loss matter? One real minibatch (the first of ``config``'s training minibatches)
    and, for each variant, the same fresh model (``build_model``, seeded: the same
    weights and dropout masks), in PyTorch; the loss summed over the minibatch against
    its mean (the sum is ``batch_size`` times the mean).

    Returns ``dict(batch_size, loss_ratio, gradient_ratio, sgd_update_ratio,
    adam_update_ratio)``: summed over averaged, the loss, the norm of its gradient, and
    the norm of the parameters' change in the first update with the same learning rate
    (``config.lr``) under SGD and under Adam. The first three are ``batch_size``; Adam's
    is about 1, as it divides each step by the gradient's running size.
    """
    import torch

    from . import backend, splits
    d2l = backend.load('torch')
    config = config or Config()
    train_iter, _, _, vocab = splits.make_splits(config, d2l.to_tensor)
    X, y, *lengths = next(iter(train_iter))
    embedding = glove.TokenEmbedding(config.embedding)

    def first_update(reduction, optimizer):
        """``(loss, gradient norm, update norm)`` of one step."""
        net = d2l.build_model(vocab, embedding, config)
        params = [p for p in net.parameters() if p.requires_grad]
        start = [p.detach().clone() for p in params]
        device = params[0].device
        net.train()
        loss = torch.nn.functional.cross_entropy(
            net(X.to(device), *(l.to(device) for l in lengths)), y.to(device),
            reduction=reduction)
        loss.backward()
        gradient = torch.cat([p.grad.flatten() for p in params]).norm()
        optimizer(params, lr=config.lr).step()
        update = torch.cat([(p.detach() - s).flatten() for p, s in zip(params, start)])
        return float(loss.detach()), float(gradient), float(update.norm())

    runs = {(reduction, optimizer.__name__): first_update(reduction, optimizer)
            for reduction in ('sum', 'mean') for optimizer in (torch.optim.SGD,
                                                               torch.optim.Adam)}
    sgd, adam = [(runs['sum', name], runs['mean', name]) for name in ('SGD', 'Adam')]
    return dict(batch_size=len(y), loss_ratio=sgd[0][0] / sgd[1][0],
                gradient_ratio=sgd[0][1] / sgd[1][1],
                sgd_update_ratio=sgd[0][2] / sgd[1][2],
                adam_update_ratio=adam[0][2] / adam[1][2])
