"""Text to token ids: ``tokenize``, ``Vocab`` and ``truncate_pad``, as in d2l 1.0.3."""
import collections
import copy
import itertools
import re

TOKENIZERS = ('book', 'glove')


def tokenize(lines, token='word'):
    """Split each line into word tokens (on whitespace) or characters.

    Like the book, words keep their case and punctuation: ``'Great movie!'``
    gives ``['Great', 'movie!']``.
    """
    if token not in ('word', 'char'):
        raise ValueError(f"Unknown token type {token!r}: use 'word' or 'char'.")
    return [line.split() if token == 'word' else list(line) for line in lines]


# GloVe 6B's tokens are lower-case, with punctuation and the clitics of the
# Stanford tokenizer split off: "Don't!" -> "do", "n't", "!".
_MARKUP = re.compile(r'<br\s*/?>')
_GLOVE_TOKEN = re.compile(r"\w+(?=n't)|n't|'(?:s|re|ve|ll|d|m)\b|\w+|\S")


def glove_tokenize(lines):
    """Split each line into tokens as GloVe 6B spells them.

    Lower-cases, drops the ``<br />`` line breaks of the IMDb reviews and splits
    punctuation and clitics off the words: ``'Great movie!<br />Don't miss it.'``
    gives ``['great', 'movie', '!', 'do', "n't", 'miss', 'it', '.']``.
    """
    return [_GLOVE_TOKEN.findall(_glove_text(line)) for line in lines]


def _glove_text(line):
    """A line as GloVe's tokens are read from it: lower case, no ``<br />``."""
    return _MARKUP.sub(' ', line.lower())


def check_tokenizer(tokenizer):
    """``tokenizer`` if it names one of ``TOKENIZERS``, else a ``ValueError``."""
    if tokenizer not in TOKENIZERS:
        raise ValueError(f"Unknown tokenizer {tokenizer!r}: use one of {', '.join(TOKENIZERS)}.")
    return tokenizer


def first_tokens(tokenizer, line, num_tokens=None):
    """The first ``num_tokens`` tokens (``None``: all) of one ``line`` with
    ``tokenizer``, without tokenizing the rest: a huge text costs no more than a long
    one."""
    if tokenizer == 'book':
        return line.split() if num_tokens is None else \
            line.split(maxsplit=num_tokens)[:num_tokens]
    check_tokenizer(tokenizer)
    tokens = _GLOVE_TOKEN.finditer(_glove_text(line))  # one at a time: stops early
    return [m.group() for m in itertools.islice(tokens, num_tokens)]


def tokenize_with(tokenizer, lines):
    """Tokens of each line with ``tokenizer``: ``'book'`` (``tokenize``, the book's
    whitespace split) or ``'glove'`` (``glove_tokenize``)."""
    return tokenize(lines) if check_tokenizer(tokenizer) == 'book' else glove_tokenize(lines)


class Vocab:
    """Vocabulary: maps tokens to indices and back, and knows how its texts are read.

    Tokens seen fewer than ``min_freq`` times map to ``'<unk>'``. As in d2l
    1.0.3, ``idx_to_token`` is sorted alphabetically (so ``'<unk>'`` is not
    index 0), and ``token_freqs`` lists ``(token, count)`` pairs, most frequent
    first. ``tokens`` may also be a ``collections.Counter`` of token counts
    (counted review by review, without keeping every token list).

    Like a fitted tokenizer, it carries the ``tokenizer`` its tokens came from and the
    ``num_steps`` a model reads (``None``: all), so ``review_tokens(text)`` splits a new
    review as the training reviews were split and cuts it as training did
    (``d2l.predict_sentiment(net, vocab, text)`` needs nothing more).
    """

    def __init__(self, tokens=(), min_freq=0, reserved_tokens=(), tokenizer='book',
                 num_steps=None):
        if isinstance(tokens, collections.Counter):
            counter = tokens
        else:
            tokens = list(tokens)
            if tokens and isinstance(tokens[0], list):  # flatten a list of lines
                tokens = itertools.chain.from_iterable(tokens)
            counter = collections.Counter(tokens)
        self.token_freqs = sorted(counter.items(), key=lambda x: x[1],
                                  reverse=True)
        self._index(sorted(set(
            ['<unk>', *reserved_tokens]
            + [token for token, freq in self.token_freqs if freq >= min_freq])),
            tokenizer, num_steps)

    def _index(self, idx_to_token, tokenizer, num_steps):
        if num_steps is not None and (not isinstance(num_steps, int) or num_steps < 1):
            raise ValueError(f'num_steps must be a whole number of tokens, at least 1, or '
                             f'None, got {num_steps!r}.')
        self.idx_to_token = list(idx_to_token)
        self.token_to_idx = {token: idx for idx, token in enumerate(self.idx_to_token)}
        if '<unk>' not in self.token_to_idx:
            raise ValueError("A vocabulary needs the token '<unk>' (unknown words read as "
                             'it).')
        self.unk = self.token_to_idx['<unk>']
        self.tokenizer, self.num_steps = check_tokenizer(tokenizer), num_steps

    @classmethod
    def from_idx_to_token(cls, idx_to_token, tokenizer='book', num_steps=None):
        """The vocabulary with exactly these tokens, in this order (token_freqs empty)."""
        vocab = cls.__new__(cls)
        vocab.token_freqs = []
        vocab._index(idx_to_token, tokenizer, num_steps)
        return vocab

    def reading(self, tokenizer=None, num_steps=None):
        """This vocabulary (the same tokens, sharing its tables) read with ``tokenizer``
        and cut to ``num_steps`` tokens (each unchanged where not given)."""
        vocab = copy.copy(self)
        vocab.tokenizer = check_tokenizer(tokenizer or self.tokenizer)
        vocab.num_steps = num_steps or self.num_steps
        return vocab

    def review_tokens(self, review):
        """The tokens of one review as this vocabulary's texts were split, cut to its
        first ``num_steps`` (without splitting the rest: a huge text costs no more than
        a long one). An empty review is an error."""
        tokens = first_tokens(self.tokenizer, review, self.num_steps)
        if not tokens:
            raise ValueError('The review is empty: give at least one word.')
        return tokens

    def __len__(self):
        return len(self.idx_to_token)

    def __getitem__(self, tokens):
        """Index of a token, or a list of indices for a list of tokens."""
        if not isinstance(tokens, (list, tuple)):
            return self.token_to_idx.get(tokens, self.unk)
        if tokens and isinstance(tokens[0], (list, tuple)):  # a list of lines
            return [self[line] for line in tokens]
        get, unk = self.token_to_idx.get, self.unk  # fast path: one line
        return [get(token, unk) for token in tokens]

    def to_tokens(self, indices):
        """Token of an index, or a list of tokens for a sequence of indices."""
        if hasattr(indices, '__len__'):
            return [self.idx_to_token[int(index)] for index in indices]
        return self.idx_to_token[int(indices)]


def printable(text):
    """``text`` with its control characters (terminal escapes, tabs, newlines) as spaces:
    for a terminal or a table, never a review's own escape codes."""
    return ''.join(c if c.isprintable() else ' ' for c in text)


def truncate_pad(line, num_steps, padding_token):
    """Cut ``line`` to ``num_steps`` items, or pad it with ``padding_token``."""
    if len(line) > num_steps:
        return line[:num_steps]
    return line + [padding_token] * (num_steps - len(line))
