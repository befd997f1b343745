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
from .files import atomic_write


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
    """Token ids of both splits, padded to ``num_steps`` with ``vocab['<pad>']``.

    ``*_features``: int32, shape ``(25000, num_steps)``; ``*_labels``: int64,
    shape ``(25000,)``; ``*_lengths``: the real (unpadded, truncated) length of
    each review; ``*_num_tokens``: its length before truncation. ``*_reviews``
    keep the review texts (their tokens are ``text.tokenize_with(tokenizer,
    reviews)``): millions of small token strings take several times the memory
    of the texts, so they are made one review at a time and never kept.
    ``*_movies``: the IMDb title id of each review's movie (``read_movies``).
    """
    vocab: text.Vocab
    tokenizer: str
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


def _features(vocab, tokenizer, reviews, num_steps):
    """Token ids of each review cut or padded to ``num_steps`` (int32), the real lengths
    and the lengths before cutting. One review at a time: the token lists of a whole
    split would take about 400 MB."""
    features = np.full((len(reviews), num_steps), vocab['<pad>'], dtype=np.int32)
    num_tokens = np.zeros(len(reviews), dtype=np.int64)
    for i, review in enumerate(reviews):
        ids = vocab[text.tokenize_with(tokenizer, [review])[0]]
        features[i, :min(len(ids), num_steps)] = ids[:num_steps]
        num_tokens[i] = len(ids)
    return features, np.minimum(num_tokens, num_steps), num_tokens


def load_imdb(num_steps=500, min_freq=5, data_dir=None, tokenizer='book'):
    """Read, tokenize and pad both splits; the vocabulary comes from training only.

    This is d2l 1.0.3's ``load_data_imdb`` without the framework: as in the
    book, the vocabulary reserves no ``'<pad>'`` token, so padding uses the
    ``'<unk>'`` index. ``tokenizer='glove'`` lower-cases and splits off
    punctuation instead of the book's whitespace split (``text.tokenize_with``).
    The result is cached in memory (arrays are read-only) and on disk beside the
    data (``aclImdb-arrays/``, see ``_stored``), so a new process, such as a
    notebook's kernel, reads it in a moment instead of tokenizing again.
    """
    return _load_imdb(num_steps, min_freq, str(data_dir or download.download_extract('aclImdb')),
                      text.check_tokenizer(tokenizer))


@functools.lru_cache(maxsize=3)
def _load_imdb(num_steps, min_freq, data_dir, tokenizer):
    path = _stored(data_dir, num_steps, min_freq, tokenizer)
    arrays = _read_stored(path) if path is not None and path.is_file() else None
    if arrays is None:
        arrays = _make_arrays(num_steps, min_freq, data_dir, tokenizer)
        if path is not None:
            _store(arrays, path)
    for a in vars(arrays).values():
        if isinstance(a, np.ndarray):
            a.flags.writeable = False
    return arrays


def _stored(data_dir, num_steps, min_freq, tokenizer):
    """Where ``load_imdb``'s arrays for these settings are kept on disk, or None for a
    folder that ``download_extract`` did not verify. The name changes with the
    archive (its hash, in the folder's marker), the settings and this code."""
    marker = pathlib.Path(data_dir, download.MARKER)
    if not marker.is_file():
        return None
    key = hashlib.sha256(json.dumps([marker.read_text(), num_steps, min_freq, tokenizer]).encode())
    for module in (__file__, text.__file__):  # tokenizing or padding differently: new arrays
        key.update(pathlib.Path(module).read_bytes())
    name = f'{tokenizer}-{num_steps}-{min_freq}-{key.hexdigest()[:16]}.npz'
    return pathlib.Path(data_dir).parent / 'aclImdb-arrays' / name


def _store(arrays, path):
    """Write ``arrays`` to ``path`` (reviews as one UTF-8 text, one review a line),
    replacing those of older code; a cache that cannot be written only means that the
    next process tokenizes again."""
    fields = {k: v for k, v in vars(arrays).items() if isinstance(v, np.ndarray)}
    for split in ('train', 'test'):
        fields[f'{split}_reviews'] = np.frombuffer(
            '\n'.join(getattr(arrays, f'{split}_reviews')).encode(), dtype=np.uint8)
    try:
        for old in path.parent.glob(path.name.rsplit('-', 1)[0] + '-*.npz'):
            old.unlink()  # the same settings with older code or data: one file each
        with atomic_write(path, 'wb', suffix='.npz') as f:
            np.savez(f, idx_to_token=np.array(json.dumps(arrays.vocab.idx_to_token)),
                     token_freqs=np.array(json.dumps(arrays.vocab.token_freqs)),
                     tokenizer=np.array(arrays.tokenizer), **fields)
    except OSError:
        pass


def _read_stored(path):
    """The ``ImdbArrays`` that ``_store`` wrote, or None if the file is damaged."""
    try:
        with np.load(path) as f:
            data = {k: f[k] for k in f.files}
        data['vocab'] = text.Vocab.from_idx_to_token(json.loads(str(data.pop('idx_to_token'))))
        data['vocab'].token_freqs = [tuple(p) for p in json.loads(str(data.pop('token_freqs')))]
        data['tokenizer'] = str(data['tokenizer'])
        for split in ('train', 'test'):
            data[f'{split}_reviews'] = data[f'{split}_reviews'].tobytes().decode().split('\n')
        return ImdbArrays(**data)
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile):
        return None


def _make_arrays(num_steps, min_freq, data_dir, tokenizer):
    train_data, test_data = read_imdb(data_dir, True), read_imdb(data_dir, False)
    counts = collections.Counter()  # the training tokens' counts, review by review
    for review in train_data[0]:
        counts.update(text.tokenize_with(tokenizer, [review])[0])
    vocab = text.Vocab(counts, min_freq=min_freq)
    train_x, train_len, train_num = _features(vocab, tokenizer, train_data[0], num_steps)
    test_x, test_len, test_num = _features(vocab, tokenizer, test_data[0], num_steps)
    arrays = ImdbArrays(vocab, tokenizer, train_data[0], test_data[0],
                        train_x, np.array(train_data[1]), train_len,
                        test_x, np.array(test_data[1]), test_len, train_num, test_num,
                        np.array(read_movies(data_dir, True)),
                        np.array(read_movies(data_dir, False)))
    return arrays


def load_data_imdb(batch_size, num_steps=500, seed=0, convert=np.asarray):
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
