"""The exercises' checks: right for the true answer (computed here, as a solution would),
'not yet' for each plausible wrong answer, naming the known mistakes; the experiment on
the scale of the loss."""
import collections
import inspect

import numpy as np
import pytest

from d2lsent import exercises, glove, imdb, text


def verdicts(capsys):
    """The verdicts printed since the last call, one per check: 'right' or 'not yet'."""
    return [line.split(':')[0] for line in capsys.readouterr().out.splitlines()]


def assert_rejected(check, wrong, capsys, *args):
    """``check`` says 'not yet' to every answer of ``wrong``, ``{mistake: (answer,
    words)}``, and says ``words`` (the mistake named), unless None."""
    for mistake, (answer, words) in wrong.items():
        assert not check(answer, *args), mistake
        out = capsys.readouterr().out
        assert out.startswith('not yet: '), (mistake, out)
        assert words is None or words in out, (mistake, out)


def test_only_the_checks_and_the_experiment_are_public():
    """A worked solution computes its answers itself: the checker's helpers are private."""
    public = {name for name, f in vars(exercises).items() if inspect.isfunction(f)
              and f.__module__ == exercises.__name__ and not name.startswith('_')}
    assert public == {'check_padding_share', 'check_truncated', 'check_reserved_pad',
                      'check_coverage', 'check_fused_size', 'check_step_scale',
                      'loss_scale'}


def test_fused_size_rejects_each_plausible_count(capsys):
    # Per direction: layer 0 4h x (50 + h) + 2 x 4h; layer 1 4h x (2h + h) + 2 x 4h.
    h = 100
    layers = [4 * h * (50 + h) + 8 * h, 4 * h * (2 * h + h) + 8 * h]
    truth = 2 * sum(layers)
    assert exercises.check_fused_size(truth)
    assert capsys.readouterr().out.startswith(f'right: {truth:,} numbers')
    assert_rejected(exercises.check_fused_size, {
        'one direction': (sum(layers), 'That is one direction'),
        'one bias vector': (truth - 2 * 2 * 4 * h, 'one bias vector'),
        'layer 1 reads one direction': (truth - 2 * 4 * h * h, "one direction's outputs"),
        'off by one': (truth + 1, None),
        'weights only': (truth - 2 * 2 * 8 * h, None)}, capsys)


def test_padding_share_wants_the_training_features_only(imdb_data, capsys):
    data, steps = imdb.load_imdb(250), 250
    lengths = np.minimum(data.train_num_tokens, steps)
    share = 1 - lengths.sum() / (25_000 * steps)
    assert 0.2 < share < 0.4
    for right in (share, round(share, 3), round(share, 4)):
        assert exercises.check_padding_share(right, num_steps=steps)
    assert verdicts(capsys) == ['right'] * 3
    both = np.concatenate([lengths, np.minimum(data.test_num_tokens, steps)])
    glove_lengths = imdb.load_imdb(steps, tokenizer='glove').train_lengths
    one_step_less = np.minimum(data.train_num_tokens, steps - 1)
    unk_positions = float((data.train_features == data.vocab['<unk>']).mean())
    assert_rejected(exercises.check_padding_share, {
        'train and test': (1 - both.sum() / (50_000 * steps), 'the training and the test'),
        'real tokens': (1 - share, 'the real tokens'),
        "positions of <unk>'s id": (unk_positions, 'unknown words'),
        'percent': (share * 100, 'not a percentage'),
        'two decimals': (round(share, 2), None),
        'off by one step': (1 - one_step_less.sum() / (25_000 * steps), None),
        "GloVe's tokens": (1 - glove_lengths.sum() / (25_000 * steps), None)},
        capsys, steps)


def test_truncated_counts_the_training_reviews_longer_than_num_steps(imdb_data, capsys):
    tokens = imdb.load_imdb(500).train_num_tokens
    truth = int((tokens > 500).sum())
    assert exercises.check_truncated(truth)
    assert verdicts(capsys) == ['right']
    test_tokens = imdb.load_imdb(500).test_num_tokens
    assert_rejected(exercises.check_truncated, {
        'at least 500': (int((tokens >= 500).sum()), 'exactly 500 tokens'),
        'train and test': (truth + int((test_tokens > 500).sum()), 'the test reviews too'),
        'a share': (truth / 25_000, None),
        'off by one': (truth + 1, None),
        "GloVe's tokens": (int((imdb.load_imdb(500, tokenizer='glove').train_num_tokens
                                > 500).sum()), None)}, capsys)


def test_reserved_pad_wants_the_size_and_the_sorted_id(imdb_data, capsys):
    book = imdb_data.vocab
    vocab = text.Vocab(collections.Counter(dict(book.token_freqs)), 5,
                       reserved_tokens=['<pad>'])
    size, pad = len(vocab), vocab['<pad>']
    assert size == len(book) + 1 == 49_347
    assert pad == sum(token < '<pad>' for token in book.idx_to_token)  # sorted
    assert exercises.check_reserved_pad(size, pad)
    assert verdicts(capsys) == ['right']

    def check(answer):
        return exercises.check_reserved_pad(*answer)
    assert_rejected(check, {
        'size without <pad>': ((size - 1, pad), "without '<pad>'"),
        '<pad> first': ((size, 0), 'does not come first'),
        "<unk>'s new id": ((size, vocab['<unk>']), "'<unk>''s in the new"),
        'the book vocabulary': ((len(book), book['<unk>']), None),
        'min_freq 1': ((len(text.Vocab(collections.Counter(dict(book.token_freqs)), 1,
                                       reserved_tokens=['<pad>'])), pad), None)}, capsys)


def test_coverage_wants_the_entries_of_the_glove_vocabulary(imdb_data, embedding, capsys):
    found = glove.coverage(imdb.load_imdb(tokenizer='glove').vocab, embedding)
    share = found.vocab_found / found.vocab_size
    book = glove.coverage(imdb_data.vocab, embedding)
    assert exercises.check_coverage(share) and exercises.check_coverage(round(share, 3))
    assert verdicts(capsys) == ['right'] * 2
    assert_rejected(exercises.check_coverage, {
        'occurrences': (found.tokens_found / found.tokens_total, 'token occurrences'),
        "the book's tokenizer": (book.vocab_found / book.vocab_size, "book's tokenizer"),
        "the book's, lower-cased": (book.vocab_found_lower / book.vocab_size, None),
        'percent': (share * 100, 'not a percentage'),
        'two decimals': (round(share, 2), None)}, capsys)


def summed_or_mean_step(reduction, step_by_batch_size):
    """A Gluon training step: the loss summed or averaged, ``trainer.step`` given the
    batch size or 1."""
    from mxnet import autograd

    def step(net, trainer, loss, X, y):
        with autograd.record():
            l = getattr(loss(net(X), y), reduction)()
        l.backward()
        trainer.step(len(y) if step_by_batch_size else 1)
    return step


def test_step_scale_tells_the_books_step_from_a_summed_loss_stepped_by_one(
        mxnet_backend, capsys):
    assert exercises.check_step_scale(summed_or_mean_step('sum', True))  # the book's
    assert exercises.check_step_scale(summed_or_mean_step('mean', False))  # d2lsent's
    assert verdicts(capsys) == ['right'] * 2
    assert not exercises.check_step_scale(summed_or_mean_step('sum', False))
    assert 'your updates are 8 times as large' in capsys.readouterr().out
    assert not exercises.check_step_scale(summed_or_mean_step('mean', True))
    assert 'your updates are 0.125 times' in capsys.readouterr().out


def test_a_summed_loss_scales_sgd_but_hardly_adam(imdb_data):
    result = exercises.loss_scale()
    batch_size = result['batch_size']
    assert batch_size > 1
    assert result['loss_ratio'] == pytest.approx(batch_size, rel=1e-5)
    assert result['gradient_ratio'] == pytest.approx(batch_size, rel=1e-4)
    assert result['sgd_update_ratio'] == pytest.approx(batch_size, rel=1e-3)
    assert result['adam_update_ratio'] == pytest.approx(1, abs=0.05)
