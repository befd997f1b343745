"""Checks for the chapter's exercises: call one with your answer, it says right or wrong,
and why.

Each check computes the true answer from the data (it never stores it), compares
it with yours within a stated tolerance and prints one line: ``right`` with what
the answer means, or ``not yet`` with a hint that does not give the number away.
It returns whether you were right. The worked solutions are the notebooks in
``notebooks/solutions/``.
"""
import collections
import math

from . import glove, imdb, lstm_layout, text


def _verdict(right, meaning, hint):
    print(f'right: {meaning}' if right else f'not yet: {hint}')
    return bool(right)


def padding_share(num_steps, tokenizer='book'):
    """Share of the positions of the padded training features that hold padding."""
    lengths = imdb.load_imdb(num_steps, tokenizer=tokenizer).train_lengths
    return 1 - lengths.sum() / (len(lengths) * num_steps)


def check_padding_share(answer, num_steps=250):
    """Exercise 01.1: the share of padding in the training features at ``num_steps``
    (a fraction, e.g. 0.3; within 0.005)."""
    truth = padding_share(num_steps)
    return _verdict(
        abs(answer - truth) <= 0.005,
        f'at {num_steps} steps {truth:.1%} of the positions are padding (at 500: '
        f'{padding_share(500):.1%}); an LSTM in the book\'s recipe reads every one of them.',
        f'count the positions whose token is not padding, using each review\'s length '
        f'cut to {num_steps} (data.train_lengths), and divide by 25,000 x {num_steps}.')


def check_truncated(answer, num_steps=500):
    """Exercise 01.2: how many training reviews are longer than ``num_steps`` tokens
    (and so lose their end)."""
    truth = int((imdb.load_imdb(num_steps).train_num_tokens > num_steps).sum())
    return _verdict(
        answer == truth,
        f'{truth:,} of 25,000 training reviews ({truth / 25_000:.1%}) lose their end at '
        f'{num_steps} steps: for them the book\'s model never sees the last words.',
        'compare each review\'s length before truncation (data.train_num_tokens) with '
        f'{num_steps}; the answer is a whole number of reviews.')


def reserved_pad_vocab(min_freq=5):
    """The book's training vocabulary built again with ``'<pad>'`` reserved (from the
    token counts the vocabulary keeps: no tokenizing)."""
    counts = collections.Counter(dict(imdb.load_imdb().vocab.token_freqs))
    return text.Vocab(counts, min_freq, reserved_tokens=['<pad>'])


def check_reserved_pad(vocab_size, pad_id):
    """Exercise 01.3: with ``reserved_tokens=['<pad>']``, the vocabulary's size and the
    id of ``'<pad>'``."""
    data, vocab = imdb.load_imdb(), reserved_pad_vocab()
    moved = sum(vocab[t] != data.vocab[t] for t in data.vocab.idx_to_token)
    return _verdict(
        (vocab_size, pad_id) == (len(vocab), vocab['<pad>']),
        f"{len(vocab):,} tokens, '<pad>' is id {vocab['<pad>']}: the index is sorted, so "
        f'the {moved:,} tokens after it move up by one and a saved model no longer fits '
        f"this vocabulary; padding gets an embedding row of its own instead of '<unk>''s "
        f'row.',
        "build text.Vocab from the training tokens with min_freq=5 and "
        "reserved_tokens=['<pad>'], then look at len(vocab) and vocab['<pad>'] (the "
        'index is sorted alphabetically, as in the book).')


def glove_coverage(tokenizer, embedding='glove.6b.50d-packaged'):
    """``glove.coverage`` of the training vocabulary built with ``tokenizer``."""
    return glove.coverage(imdb.load_imdb(tokenizer=tokenizer).vocab,
                          glove.TokenEmbedding(embedding))


def check_coverage(answer, tokenizer='glove'):
    """Exercise 02.1: the share of the vocabulary's entries (``'<unk>'`` aside) that
    have a GloVe vector with ``tokenizer`` (a fraction; within 0.005)."""
    found = glove_coverage(tokenizer)
    truth = found.vocab_found / found.vocab_size
    book = glove_coverage('book')
    return _verdict(
        abs(answer - truth) <= 0.005,
        f'{truth:.1%} of {found.vocab_size:,} entries with the {tokenizer} tokenizer, '
        f'against {book.vocab_found / book.vocab_size:.1%} of {book.vocab_size:,} with the '
        f"book's: GloVe's tokens are lower-case with punctuation split off, so tokens made "
        f'the same way find their vector far more often.',
        f'build the vocabulary with imdb.load_imdb(tokenizer={tokenizer!r}) and count the '
        'entries other than <unk> that the embedding knows (glove.coverage does it).')


def check_fused_size(answer, embed_size=50, num_hiddens=100, num_layers=2):
    """Exercise 04.1: how many numbers Gluon 2.0's fused vector holds for a bidirectional
    LSTM of these sizes."""
    shapes = lstm_layout.lstm_shapes(embed_size, num_hiddens, num_layers)
    truth = sum(math.prod(shape) for shape in shapes.values())
    return _verdict(
        answer == truth,
        f'{truth:,} numbers: per layer and direction four gates\' input and hidden weights '
        f'and two bias vectors ({len(shapes)} arrays, all weights first, then all biases).',
        'per layer and direction: 4 x hidden rows of input weights (input width: the '
        'embedding in layer 0, both directions\' outputs above), 4 x hidden rows of '
        'hidden weights (hidden columns), and two bias vectors of 4 x hidden.')
