import collections

import pytest

from d2lsent import text
from d2lsent.text import Vocab, glove_tokenize, tokenize, tokenize_with, truncate_pad

LINES = ['The film was great , great fun .', 'I did not like it .',
         'Not great , not bad .']


def test_tokenize_keeps_case_and_punctuation_like_the_book():
    lines = ['Great movie!<br /><br />Loved it.', '  two   spaces\tand tab ']
    assert tokenize(lines) == [['Great', 'movie!<br', '/><br', '/>Loved', 'it.'],
                               ['two', 'spaces', 'and', 'tab']]
    assert tokenize(['ab'], token='char') == [['a', 'b']]


def test_glove_tokenize_splits_as_glove_spells_its_tokens():
    lines = ["Great movie!<br /><br />Don't miss it, it's 10/10.", 'CAN\'T <br/>say "Wow"']
    assert glove_tokenize(lines) == [
        ['great', 'movie', '!', 'do', "n't", 'miss', 'it', ',', 'it', "'s", '10', '/', '10',
         '.'],
        ['ca', "n't", 'say', '"', 'wow', '"']]
    assert tokenize_with('glove', lines) == glove_tokenize(lines)
    assert tokenize_with('book', lines) == tokenize(lines)
    with pytest.raises(ValueError, match="Unknown tokenizer 'nltk'"):
        tokenize_with('nltk', lines)


def test_tokenize_rejects_unknown_token_type():
    with pytest.raises(ValueError, match="'subword'"):
        tokenize(['a'], token='subword')


def test_tokenize_vocab_and_truncate_pad_match_the_books(book_d2l):
    d2l = book_d2l
    lines = ['Great movie!<br /><br />Loved it.', '  two   spaces\tand tab ']
    assert tokenize(lines) == d2l.tokenize(lines)
    tokens = tokenize(LINES)
    for min_freq in (0, 2, 3):
        ours, book = Vocab(tokens, min_freq), d2l.Vocab(tokens, min_freq)
        assert ours.idx_to_token == book.idx_to_token
        assert ours.token_to_idx == book.token_to_idx
        assert ours.token_freqs == book.token_freqs
        assert ours[tokens] == book[tokens]
    for line in ([1, 2, 3], [], list(range(10))):
        assert truncate_pad(line, 5, 0) == d2l.truncate_pad(line, 5, 0)


def test_vocab_from_counts_is_the_vocab_from_tokens():
    """Counted line by line (as load_imdb does, to keep no token lists): the same."""
    tokens, counts = tokenize(LINES), collections.Counter()
    for line in tokens:
        counts.update(line)
    ours, direct = Vocab(counts, min_freq=2), Vocab(tokens, min_freq=2)
    assert (ours.idx_to_token, ours.token_freqs) == (direct.idx_to_token, direct.token_freqs)


def test_vocab_lookup_and_back():
    vocab = Vocab(tokenize(LINES), min_freq=2, reserved_tokens=['<pad>'])
    assert vocab.idx_to_token == [',', '.', '<pad>', '<unk>', 'great', 'not']
    assert vocab.unk == 3 and len(vocab) == 6
    assert vocab['great'] == 4 and vocab['missing'] == vocab.unk
    assert vocab[['great', 'film']] == [4, 3]
    assert vocab[[['great'], ['.', ',']]] == [[4], [1, 0]]
    assert vocab.to_tokens([4, 0]) == ['great', ',']
    assert vocab.to_tokens(4) == 'great'
    assert Vocab()['x'] == 0 and len(Vocab()) == 1


def test_truncate_pad_cuts_or_pads():
    assert truncate_pad([1, 2, 3], 5, 0) == [1, 2, 3, 0, 0]
    assert truncate_pad([1, 2], 4, 9) == [1, 2, 9, 9]
    assert truncate_pad([1, 2, 3], 2, 9) == [1, 2]


def test_first_tokens_stop_early_and_agree_with_the_tokenizers():
    line = "Great movie!<br />Don't miss it. " * 3
    for tokenizer in text.TOKENIZERS:
        assert text.first_tokens(tokenizer, line, 5) == \
            text.tokenize_with(tokenizer, [line])[0][:5]
    assert text.first_tokens('book', 'a b', 5) == ['a', 'b']
    huge = 'word ' * 1_000_000
    assert text.first_tokens('glove', huge, 3) == ['word'] * 3
