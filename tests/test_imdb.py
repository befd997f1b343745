import collections

import numpy as np
import pytest

from d2lsent import download, imdb, text


def test_real_counts_vocabulary_and_shapes(imdb_data):
    d = imdb_data
    assert len(d.vocab) == 49_346
    for features, labels, lengths in [
            (d.train_features, d.train_labels, d.train_lengths),
            (d.test_features, d.test_labels, d.test_lengths)]:
        assert features.shape == (25_000, 500) and features.dtype == np.int32
        assert labels.shape == (25_000,) and labels.dtype == np.int64
        assert collections.Counter(labels.tolist()) == {1: 12_500, 0: 12_500}
        assert (labels[:12_500] == 1).all()  # positive reviews first, as in the book
        assert lengths.max() == 500 and lengths.min() >= 1
    assert d.vocab['<pad>'] == d.vocab.unk == 3680  # the book reserves no '<pad>'
    full = np.array([len(tokens) for tokens in text.tokenize(d.train_reviews)])
    assert (d.train_num_tokens == full).all()
    assert (d.train_lengths == np.minimum(full, 500)).all()
    assert round(full.mean()) == 234 and np.median(full) == 174
    assert not d.train_features.flags.writeable


def test_matches_d2l_on_real_data(imdb_data, book_d2l):
    """Reviews, vocabulary and padded ids agree with d2l 1.0.3 (mxnet)."""
    d2l = book_d2l
    data_dir = download.download_extract('aclImdb')
    ours = imdb.read_imdb(data_dir, True)
    book = d2l.read_imdb(str(data_dir), True)  # os.listdir order
    assert sorted(zip(*ours)) == sorted(zip(*book))
    book_vocab = d2l.Vocab(d2l.tokenize(book[0]), min_freq=5)
    assert imdb_data.vocab.idx_to_token == book_vocab.idx_to_token
    assert sorted(imdb_data.vocab.token_freqs) == sorted(book_vocab.token_freqs)  # the counts
    book_features = np.array([d2l.truncate_pad(book_vocab[line], 500, book_vocab['<pad>'])
                              for line in d2l.tokenize(imdb_data.train_reviews[:2000])])
    assert (book_features == imdb_data.train_features[:2000]).all()


def test_reading_order_is_sorted_file_names(imdb_data):
    data_dir = download.download_extract('aclImdb')
    first = sorted((data_dir / 'test' / 'pos').iterdir())[0]
    reviews, _ = imdb.read_imdb(data_dir, False)
    assert reviews[0] == first.read_text(encoding='utf-8').replace('\n', '')


def fake_imdb(root, files):
    for split in ('train', 'test'):
        for label in ('pos', 'neg'):
            (root / split / label).mkdir(parents=True)
    for name, data in files.items():
        (root / name).write_bytes(data)
    return root


def test_non_ascii_review_is_kept(tmp_path):
    root = fake_imdb(tmp_path, {'train/pos/1_9.txt': 'Amélie, 東京\nstory'.encode(),
                                'train/neg/0_2.txt': b'Dull.'})
    assert imdb.read_imdb(root, True) == (['Amélie, 東京story', 'Dull.'], [1, 0])


def test_empty_review_file_is_an_error(tmp_path):
    root = fake_imdb(tmp_path, {'train/pos/0_9.txt': b'', 'train/neg/0_1.txt': b'Bad.'})
    with pytest.raises(ValueError, match=r'0_9.txt is an empty review'):
        imdb.read_imdb(root, True)


def test_invalid_utf8_is_an_error(tmp_path):
    root = fake_imdb(tmp_path, {'train/pos/0_9.txt': b'\xff\xfe bad'})
    with pytest.raises(ValueError, match=r'0_9.txt is not UTF-8'):
        imdb.read_imdb(root, True)


def test_movies_of_the_real_reviews(imdb_data):
    """3,456 training and 3,581 test movies, at most 30 reviews each; the two sets
    share one movie (so a validation split by movie is like the test set)."""
    train, test = imdb_data.train_movies, imdb_data.test_movies
    assert train.shape == test.shape == (25_000,)
    assert (len(set(train)), len(set(test))) == (3_456, 3_581)
    assert set(train) & set(test) == {'tt0406816'}
    assert max(collections.Counter(train).values()) == 30
    assert train[0] == 'tt0453418'  # pos/0_9.txt: line 1 of train/urls_pos.txt


URL = b'http://www.imdb.com/title/tt%d/usercomments\n'


def test_movies_come_from_the_url_lines(tmp_path):
    root = fake_imdb(tmp_path, {'train/pos/1_9.txt': b'Good.', 'train/pos/0_8.txt': b'Fine.',
                                'train/neg/0_1.txt': b'Bad.',
                                'train/urls_pos.txt': URL % 11 + URL % 22,
                                'train/urls_neg.txt': URL % 33})
    assert imdb.read_movies(root, True) == ['tt11', 'tt22', 'tt33']


@pytest.mark.parametrize('urls_neg, message', [
    (None, r'urls_neg.txt does not exist: .* unpack the archive again'),
    (b'not a url\n', r'line 1 of .*urls_neg.txt names no IMDb movie \(for .*0_1.txt\)'),
    (b'', r'line 1 of .*urls_neg.txt names no IMDb movie')])
def test_missing_or_bad_movie_urls_are_errors(tmp_path, urls_neg, message):
    files = {'train/pos/0_9.txt': b'Good.', 'train/neg/0_1.txt': b'Bad.',
             'train/urls_pos.txt': URL % 11}
    if urls_neg is not None:
        files['train/urls_neg.txt'] = urls_neg
    with pytest.raises((FileNotFoundError, ValueError), match=message):
        imdb.read_movies(fake_imdb(tmp_path, files), True)


def test_missing_folder_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"download_extract\('aclImdb'\)"):
        imdb.read_imdb(tmp_path, True)


def test_load_data_imdb_batches(imdb_data):
    train_iter, test_iter, vocab = imdb.load_data_imdb(64)
    assert vocab.idx_to_token == imdb_data.vocab.idx_to_token
    assert len(train_iter) == len(test_iter) == 391
    X, y = next(iter(test_iter))
    assert X.shape == (64, 500) and (X == imdb_data.test_features[:64]).all()
    assert (y == 1).all()


def test_token_ids_are_kept_on_disk_for_the_next_process(imdb_data, tmp_path):
    data_dir = str(download.download_extract('aclImdb'))
    path = imdb._stored(data_dir, 5, 'book')
    assert path.is_file() and path.parent.name == 'aclImdb-arrays'
    assert path != imdb._stored(data_dir, 5, 'glove') != imdb._stored(data_dir, 3, 'book')
    stored, kept = imdb._read_stored(path, 'book'), imdb._token_ids(5, data_dir, 'book')
    assert stored['vocab'].idx_to_token == imdb_data.vocab.idx_to_token
    assert stored['vocab'].token_freqs == imdb_data.vocab.token_freqs  # GloVe's coverage
    assert stored['train_reviews'] == imdb_data.train_reviews
    for name, value in kept.items():
        if isinstance(value, np.ndarray):
            assert np.array_equal(stored[name], value), name
    damaged = tmp_path / 'damaged.npz'
    damaged.write_bytes(path.read_bytes()[:1000])
    assert imdb._read_stored(damaged, 'book') is None  # then load_imdb tokenizes again
    assert imdb._stored(str(tmp_path), 5, 'book') is None  # no marker: not verified


def test_other_num_steps_pad_the_same_token_ids(imdb_data):
    short = imdb.load_imdb(100)
    assert short.train_features.shape == (25_000, 100)
    assert np.array_equal(short.train_features, imdb_data.train_features[:, :100])
    assert np.array_equal(short.test_lengths, np.minimum(imdb_data.test_num_tokens, 100))
    assert np.array_equal(imdb_data.test_lengths, np.minimum(imdb_data.test_num_tokens, 500))
