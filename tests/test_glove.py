import dataclasses
import hashlib
import re
import zipfile

import numpy as np
import pytest

from d2lsent import download, glove
from d2lsent.text import tokenize

from test_files import special_file


@pytest.fixture(scope='module')
def packaged():
    return glove.TokenEmbedding()  # glove.6b.50d-packaged


def test_packaged_vectors_are_glove_6b_50d(packaged):
    assert len(packaged) == 400_001 and packaged.dim == 50
    assert packaged.idx_to_token[:4] == ['<unk>', 'the', ',', '.']
    assert (packaged.idx_to_vec[0] == 0).all()
    # The first numbers of 'the' in Stanford's glove.6B.50d.txt.
    np.testing.assert_allclose(packaged[['the']][0, :3], [0.418, 0.24968, -0.41242])
    assert packaged.idx_to_vec.dtype == np.float32


def test_lookup_gives_one_row_per_token_and_zero_for_unknown(packaged):
    vecs = packaged[['good', 'Good', 'movie']]
    assert vecs.shape == (3, 50)
    assert (vecs[1] == 0).all()  # GloVe 6B is lower-case
    assert (vecs[0] == packaged.idx_to_vec[packaged.token_to_idx['good']]).all()


def test_nearest_neighbours(packaged):
    chip = packaged.similar_tokens('chip', 3)
    assert [t for t, _ in chip] == ['chips', 'intel', 'electronics']
    assert chip[0][1] == pytest.approx(0.856, abs=1e-3)
    assert [t for t, _ in packaged.similar_tokens('beautiful', 2)] == ['lovely', 'gorgeous']


@pytest.mark.parametrize('a, b, c, expected', [
    ('man', 'woman', 'son', 'daughter'), ('beijing', 'china', 'tokyo', 'japan'),
    ('bad', 'worst', 'big', 'biggest'), ('do', 'did', 'go', 'went')])
def test_analogies(packaged, a, b, c, expected):
    assert packaged.analogy(a, b, c) == expected


def test_coverage_on_imdb(packaged, imdb_data):
    cov = glove.coverage(imdb_data.vocab, packaged)
    assert cov.vocab_size == 49_345  # '<unk>' is not counted
    assert cov.vocab_found == 19_115
    assert cov.tokens_total == 5_844_680 == sum(map(len, tokenize(imdb_data.train_reviews)))
    assert cov.tokens_found == 4_369_448
    assert cov.vocab_found_lower > cov.vocab_found  # case matters
    assert cov.top_missing[0] == ('I', 65_973)
    assert '38.7%' in str(cov)


def test_coverage_by_hand():
    from d2lsent.text import Vocab
    emb = glove.TokenEmbedding.__new__(glove.TokenEmbedding)
    emb.token_to_idx = {'<unk>': 0, 'good': 1, 'film': 2}
    cov = glove.coverage(Vocab([['Good', 'good', 'film', 'film', 'meh']]), emb)
    assert (cov.vocab_size, cov.vocab_found, cov.vocab_found_lower) == (4, 2, 3)
    assert (cov.tokens_total, cov.tokens_found, cov.tokens_found_lower) == (5, 3, 4)
    assert cov.top_missing == [('Good', 1), ('meh', 1)]


def test_stanford_text_file(tmp_path):
    path = tmp_path / 'glove.6B.3d.txt'
    path.write_text('the 0.1 0.2 0.3\ncafé 1 0 0\n', encoding='utf-8')
    emb = glove.TokenEmbedding(path)
    assert emb.idx_to_token == ['<unk>', 'the', 'café'] and emb.dim == 3
    np.testing.assert_allclose(emb[['café', 'x']], [[1, 0, 0], [0, 0, 0]])


def test_fasttext_header_is_skipped(tmp_path):
    path = tmp_path / 'vec.txt'
    path.write_text('2 3\nthe 0.1 0.2 0.3\nof 1 2 3\n')
    assert glove.TokenEmbedding(path).idx_to_token == ['<unk>', 'the', 'of']


def test_d2l_zip_from_mirror(tmp_path, tmp_cache, monkeypatch):
    mirror = tmp_path / 'mirror'
    mirror.mkdir()
    with zipfile.ZipFile(mirror / 'glove.6B.50d.zip', 'w') as z:
        z.writestr('glove.6B.50d/vec.txt', 'the 0.5 0.25\nfilm 1 2\n')
    monkeypatch.setenv('D2LSENT_MIRROR', str(mirror))
    with pytest.raises(download.DataError, match='SHA1 mismatch .*glove.6B.50d.zip'):
        glove.TokenEmbedding('glove.6b.50d')  # the registry pins the book's archive
    digest = hashlib.sha1((mirror / 'glove.6B.50d.zip').read_bytes()).hexdigest()
    monkeypatch.setitem(download.RESOURCES, 'glove.6b.50d', dataclasses.replace(
        download.RESOURCES['glove.6b.50d'], sha1=digest))  # a registry that pins this zip
    emb = glove.TokenEmbedding('glove.6b.50d')
    assert emb.idx_to_token == ['<unk>', 'the', 'film']
    np.testing.assert_allclose(emb[['film']], [[1, 2]])


def test_bad_inputs(tmp_path):
    with pytest.raises(ValueError, match=r"Unknown embedding 'glove.840b'.*glove.6b.100d"):
        glove.TokenEmbedding('glove.840b')
    empty = tmp_path / 'empty.txt'
    empty.write_text('')
    with pytest.raises(ValueError, match='empty.txt holds no word vectors'):
        glove.TokenEmbedding(empty)
    ragged = tmp_path / 'ragged.txt'
    ragged.write_text('a 1 2\nb 1 2 3\n')
    with pytest.raises(ValueError, match='different numbers of values'):
        glove.TokenEmbedding(ragged)


@pytest.mark.parametrize('content, line, said', [
    ('the 0.1 0.2\nfilm 0.3 abc\n', 2, "could not convert string to float: 'abc'"),
    ('the 0.1 0.2\n\nfilm 0.3 0.4\n', 2, "could not convert string to float: ''"),
    ('the 0.1 0.2\nfilm 0.3 0.4\ncaf\xe9 1 2\n', 3, "'utf-8' codec can't decode byte 0xe9"),
])
def test_a_bad_line_names_the_file_and_the_line(tmp_path, content, line, said):
    path = tmp_path / 'vec.txt'
    path.write_bytes(content.encode('latin-1'))
    with pytest.raises(ValueError, match=re.escape(
            f'{path}, line {line}, is not a token followed by numbers in UTF-8 ({said}')
            + '.*: fix or remove that line'):
        glove.TokenEmbedding(path)


@pytest.mark.parametrize('kind', ['FIFO', 'device', 'folder'])
def test_an_embedding_path_that_is_not_a_regular_file_is_refused(tmp_path, kind):
    path, said = special_file(tmp_path, kind)
    with pytest.raises(ValueError, match=re.escape(f'Cannot read embedding file {path}: it '
                                                   f'is {said}, not a regular file')):
        glove.TokenEmbedding(path)


def test_saved_vectors_are_the_rows_a_model_starts_from(embedding, tmp_path):
    """``save_vectors`` keeps the rows of the tokens asked for: a model of those tokens
    starts from the same vectors (zero where GloVe has none)."""
    tokens = ['<unk>', 'good', 'film', 'zxqvw', 'the', 'good']
    assert glove.save_vectors(embedding, tokens, tmp_path / 'few.npz') == 3
    few = glove.TokenEmbedding(str(tmp_path / 'few.npz'))
    assert (len(few), few.dim) == (4, 50)
    np.testing.assert_array_equal(few[tokens], embedding[tokens])
    assert not few[['zxqvw']].any() and not few[['missing']].any()
