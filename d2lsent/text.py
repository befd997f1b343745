"""Text to token ids: ``tokenize``, ``Vocab`` and ``truncate_pad``, as in d2l 1.0.3."""
import collections
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


def first_tokens(tokenizer, line, num_tokens):
    """The first ``num_tokens`` tokens of one ``line`` with ``tokenizer``, without
    tokenizing the rest: a huge text costs no more than a long one."""
    if tokenizer == 'book':
        return line.split(maxsplit=num_tokens)[:num_tokens]
    check_tokenizer(tokenizer)
    tokens = _GLOVE_TOKEN.finditer(_glove_text(line))  # one at a time: stops early
    return [m.group() for m in itertools.islice(tokens, num_tokens)]


def tokenize_with(tokenizer, lines):
    """Tokens of each line with ``tokenizer``: ``'book'`` (``tokenize``, the book's
    whitespace split) or ``'glove'`` (``glove_tokenize``)."""
    return tokenize(lines) if check_tokenizer(tokenizer) == 'book' else glove_tokenize(lines)


class Vocab:
    """Vocabulary: maps tokens to indices and back.

    Tokens seen fewer than ``min_freq`` times map to ``'<unk>'``. As in d2l
    1.0.3, ``idx_to_token`` is sorted alphabetically (so ``'<unk>'`` is not
    index 0), and ``token_freqs`` lists ``(token, count)`` pairs, most frequent
    first. ``tokens`` may also be a ``collections.Counter`` of token counts
    (counted review by review, without keeping every token list).
    """

    def __init__(self, tokens=(), min_freq=0, reserved_tokens=()):
        if isinstance(tokens, collections.Counter):
            counter = tokens
        else:
            tokens = list(tokens)
            if tokens and isinstance(tokens[0], list):  # flatten a list of lines
                tokens = itertools.chain.from_iterable(tokens)
            counter = collections.Counter(tokens)
        self.token_freqs = sorted(counter.items(), key=lambda x: x[1],
                                  reverse=True)
        self.idx_to_token = sorted(set(
            ['<unk>', *reserved_tokens]
            + [token for token, freq in self.token_freqs if freq >= min_freq]))
        self.token_to_idx = {token: idx
                             for idx, token in enumerate(self.idx_to_token)}
        self.unk = self.token_to_idx['<unk>']

    @classmethod
    def from_idx_to_token(cls, idx_to_token):
        """The vocabulary with exactly these tokens, in this order (token_freqs empty)."""
        vocab = cls.__new__(cls)
        vocab.token_freqs = []
        vocab.idx_to_token = list(idx_to_token)
        vocab.token_to_idx = {t: i for i, t in enumerate(vocab.idx_to_token)}
        vocab.unk = vocab.token_to_idx['<unk>']
        return vocab

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


def truncate_pad(line, num_steps, padding_token):
    """Cut ``line`` to ``num_steps`` items, or pad it with ``padding_token``."""
    if len(line) > num_steps:
        return line[:num_steps]
    return line + [padding_token] * (num_steps - len(line))
