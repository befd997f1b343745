"""The IMDb review dataset (Maas et al., 2011): reading, token ids, padded arrays."""
import collections
import dataclasses
import functools
import hashlib
import json
import os
import pathlib
import re
import zipfile

import numpy as np

from . import download, text
from .batching import Minibatches
from .config import Config
from .files import atomic_write

MIN_FREQ = 5  # the book's: rarer training tokens are read as '<unk>'


def read_imdb(data_dir, is_train):
    """Read the reviews and labels (1 = positive, 0 = negative) of one split.

    As in d2l 1.0.3, positive reviews come first and newlines are removed; the
    files are read in sorted order (the book uses ``os.listdir`` order, which
    varies between machines).
    """
    data, labels = [], []
    for label in ('pos', 'neg'):
        folder = pathlib.Path(data_dir, 'train' if is_train else 'test', label)
        if not folder.is_dir():
            raise FileNotFoundError(
                f'{folder} does not exist: {data_dir} is not an unpacked aclImdb '
                f"folder. Use download.download_extract('aclImdb') to get one.")
        for name in sorted(os.listdir(folder)):
            raw = (folder / name).read_bytes()
            try:
                review = raw.decode('utf-8').replace('\n', '')
            except UnicodeDecodeError as e:
                raise ValueError(f'{folder / name} is not UTF-8 text ({e}); '
                                 f'the data is corrupt: unpack it again.') from e
            if not review.strip():
                raise ValueError(f'{folder / name} is an empty review; the data '
                                 f'is corrupt: unpack it again.')
            data.append(review)
            labels.append(1 if label == 'pos' else 0)
    return data, labels


def read_movies(data_dir, is_train):
    """The IMDb title id (``'tt0453418'``) of each review of one split, in
    ``read_imdb``'s order.

    The review in ``pos/ID_RATING.txt`` is about the movie on line ``ID`` (from 0)
    of ``urls_pos.txt`` (the archive's README); likewise for ``neg``. A movie has
    at most 30 reviews, and the training and test reviews are about different
    movies.
    """
    movies = []
    for label in ('pos', 'neg'):
        split = pathlib.Path(data_dir, 'train' if is_train else 'test')
        urls_file = split / f'urls_{label}.txt'
        if not urls_file.is_file():
            raise FileNotFoundError(f'{urls_file} does not exist: {data_dir} is not a '
                                    f'complete aclImdb folder; unpack the archive again.')
        urls = urls_file.read_text().split('\n')
        for name in sorted(os.listdir(split / label)):
            line = int(name.split('_')[0])
            found = re.search(r'/title/(tt\d+)/', urls[line]) if line < len(urls) else None
            if not found:
                raise ValueError(f'line {line + 1} of {urls_file} names no IMDb movie '
                                 f'(for {split / label / name}); the data is corrupt: '
                                 f'unpack it again.')
            movies.append(found.group(1))
    return movies


@dataclasses.dataclass
class ImdbArrays:
    """Token ids of both splits, padded to ``num_steps`` with ``vocab['<pad>']``; the
    vocabulary knows its tokenizer and ``num_steps`` (``text.Vocab``).

    ``*_features``: int32, shape ``(25000, num_steps)``; ``*_labels``: int64,
    shape ``(25000,)``; ``*_lengths``: the real (unpadded, truncated) length of
    each review; ``*_num_tokens``: its length before truncation. ``*_reviews``
    keep the review texts (their tokens are ``text.tokenize_with(tokenizer,
    reviews)``): millions of small token strings take several times the memory
    of the texts, so they are made one review at a time and never kept.
    ``*_movies``: the IMDb title id of each review's movie (``read_movies``).
    """
    vocab: text.Vocab
    train_reviews: list
    test_reviews: list
    train_features: np.ndarray
    train_labels: np.ndarray
    train_lengths: np.ndarray
    test_features: np.ndarray
    test_labels: np.ndarray
    test_lengths: np.ndarray
    train_num_tokens: np.ndarray
    test_num_tokens: np.ndarray
    train_movies: np.ndarray
    test_movies: np.ndarray


def load_imdb(num_steps=Config.num_steps, min_freq=MIN_FREQ, data_dir=None,
              tokenizer='book'):
    """Read, tokenize and pad both splits; the vocabulary comes from training only.

    This is d2l 1.0.3's ``load_data_imdb`` without the framework: as in the
    book, the vocabulary reserves no ``'<pad>'`` token, so padding uses the
    ``'<unk>'`` index. ``tokenizer='glove'`` lower-cases and splits off
    punctuation instead of the book's whitespace split (``text.tokenize_with``).
    Every review's token ids are kept in memory and on disk beside the data
    (``aclImdb-arrays/``, see ``_stored``), whatever ``num_steps``: a new process,
    such as a notebook's kernel, or another ``num_steps`` only pads them again.
    """
    return _load_imdb(num_steps, min_freq, str(data_dir or download.download_extract('aclImdb')),
                      text.check_tokenizer(tokenizer))


@functools.lru_cache(maxsize=3)
def _load_imdb(num_steps, min_freq, data_dir, tokenizer):
    ids = _token_ids(min_freq, data_dir, tokenizer)
    fields = dict(vocab=ids['vocab'].reading(tokenizer, num_steps))
    for split in ('train', 'test'):
        num_tokens = ids[f'{split}_num_tokens']
        fields[f'{split}_features'], fields[f'{split}_lengths'] = _pad(
            ids[f'{split}_ids'], num_tokens, num_steps, ids['vocab']['<pad>'])
        fields.update({f'{split}_{k}': ids[f'{split}_{k}']
                       for k in ('reviews', 'labels', 'movies', 'num_tokens')})
    arrays = ImdbArrays(**fields)
    for a in fields.values():
        if isinstance(a, np.ndarray):
            a.flags.writeable = False
    return arrays


def _pad(ids, num_tokens, num_steps, padding_id):
    """Reviews given as their concatenated token ``ids`` and each one's ``num_tokens``,
    cut or padded to ``num_steps``: int32 ``(reviews, num_steps)`` and the real lengths."""
    starts = np.cumsum(num_tokens) - num_tokens
    lengths = np.minimum(num_tokens, num_steps)
    inside = np.arange(num_steps) < lengths[:, None]
    features = np.full((len(num_tokens), num_steps), padding_id, dtype=np.int32)
    features[inside] = ids[(starts[:, None] + np.arange(num_steps))[inside]]
    return features, lengths


@functools.lru_cache(maxsize=2)
def _token_ids(min_freq, data_dir, tokenizer):
    """``_make_token_ids``, read from disk when an earlier process stored it."""
    path = _stored(data_dir, min_freq, tokenizer)
    ids = _read_stored(path, tokenizer) if path is not None and path.is_file() else None
    if ids is None:
        ids = _make_token_ids(min_freq, data_dir, tokenizer)
        if path is not None:
            _store(ids, path)
    return ids


def _stored(data_dir, min_freq, tokenizer):
    """Where ``load_imdb``'s token ids for these settings are kept on disk, or None for
    a folder that ``download_extract`` did not verify. The name changes with the
    archive (its hash, in the folder's marker), the settings and this code."""
    marker = pathlib.Path(data_dir, download.MARKER)
    if not marker.is_file():
        return None
    key = hashlib.sha256(json.dumps([marker.read_text(), min_freq, tokenizer]).encode())
    for module in (__file__, text.__file__):  # tokenizing differently: new ids
        key.update(pathlib.Path(module).read_bytes())
    name = f'{tokenizer}-{min_freq}-{key.hexdigest()[:16]}.npz'
    return pathlib.Path(data_dir).parent / 'aclImdb-arrays' / name


def _store(ids, path):
    """Write ``ids`` to ``path`` (reviews as one UTF-8 text, one review a line),
    replacing those of older code; a cache that cannot be written only means that the
    next process tokenizes again."""
    fields = {k: v for k, v in ids.items() if isinstance(v, np.ndarray)}
    for split in ('train', 'test'):
        fields[f'{split}_reviews'] = np.frombuffer(
            '\n'.join(ids[f'{split}_reviews']).encode(), dtype=np.uint8)
    try:
        for old in path.parent.glob(path.name.rsplit('-', 1)[0] + '-*.npz'):
            old.unlink()  # the same settings with older code or data: one file each
        with atomic_write(path, 'wb', suffix='.npz') as f:
            np.savez(f, idx_to_token=np.array(json.dumps(ids['vocab'].idx_to_token)),
                     token_freqs=np.array(json.dumps(ids['vocab'].token_freqs)), **fields)
    except OSError:
        pass


def _read_stored(path, tokenizer):
    """The token ids that ``_store`` wrote, or None if the file is damaged."""
    try:
        with np.load(path) as f:
            ids = {k: f[k] for k in f.files}
        ids['vocab'] = text.Vocab.from_idx_to_token(json.loads(str(ids.pop('idx_to_token'))),
                                                    tokenizer)
        ids['vocab'].token_freqs = [tuple(p) for p in json.loads(str(ids.pop('token_freqs')))]
        for split in ('train', 'test'):
            ids[f'{split}_reviews'] = ids[f'{split}_reviews'].tobytes().decode().split('\n')
        return ids
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile):
        return None


def _make_token_ids(min_freq, data_dir, tokenizer):
    """Both splits' reviews, labels, movies and token ids (concatenated, int32, with each
    review's number of tokens), and the vocabulary of the training reviews. Each review
    is tokenized once, its tokens numbered in order of first appearance (the token lists
    of a whole split would take about 400 MB), then renumbered by the vocabulary."""
    first_seen, ids = {}, {}
    for split in ('train', 'test'):
        reviews, labels = read_imdb(data_dir, split == 'train')
        numbered = [np.fromiter((first_seen.setdefault(t, len(first_seen))
                                 for t in text.tokenize_with(tokenizer, [review])[0]),
                                dtype=np.int32) for review in reviews]
        ids.update({f'{split}_reviews': reviews, f'{split}_labels': np.array(labels),
                    f'{split}_movies': np.array(read_movies(data_dir, split == 'train')),
                    f'{split}_num_tokens': np.array([len(n) for n in numbered], dtype=np.int64),
                    f'{split}_ids': np.concatenate(numbered)})
    tokens = list(first_seen)
    counts = np.bincount(ids['train_ids'], minlength=len(tokens))
    vocab = text.Vocab(collections.Counter({t: int(c) for t, c in zip(tokens, counts) if c}),
                       min_freq=min_freq, tokenizer=tokenizer)
    renumber = np.array([vocab[t] for t in tokens], dtype=np.int32)
    for split in ('train', 'test'):
        ids[f'{split}_ids'] = renumber[ids[f'{split}_ids']]
    ids['vocab'] = vocab
    return ids


def load_data_imdb(batch_size, num_steps=Config.num_steps, seed=0, convert=np.asarray):
    """Return ``(train_iter, test_iter, vocab)`` as in the book.

    ``train_iter`` reshuffles every epoch (seeded); ``test_iter`` keeps the
    file order. Each batch is ``(X, y)`` with ``X`` of shape
    ``(batch_size, num_steps)``, made framework tensors by ``convert``.
    """
    data = load_imdb(num_steps)
    train_iter = Minibatches((data.train_features, data.train_labels),
                             batch_size, shuffle=True, seed=seed, convert=convert)
    test_iter = Minibatches((data.test_features, data.test_labels),
                            batch_size, convert=convert)
    return train_iter, test_iter, data.vocab
