"""The exercises' checks: right for the true answer, 'not yet' with a hint otherwise."""
from d2lsent import exercises


def test_fused_size_counts_every_weight_and_bias(capsys):
    # Per direction: layer 0 4h x (50 + h) + 2 x 4h; layer 1 4h x (2h + h) + 2 x 4h.
    h = 100
    truth = 2 * (4 * h * (50 + h) + 8 * h) + 2 * (4 * h * (3 * h) + 8 * h)
    assert exercises.check_fused_size(truth)
    assert capsys.readouterr().out.startswith(f'right: {truth:,} numbers')
    assert not exercises.check_fused_size(truth - 8 * h)  # one bias vector short
    assert capsys.readouterr().out.startswith('not yet: per layer and direction')


def test_data_checks_know_right_from_wrong(imdb_data, capsys):
    share = exercises.padding_share(250)
    assert 0.2 < share < 0.4
    assert exercises.check_padding_share(share + 0.004, num_steps=250)
    assert not exercises.check_padding_share(share + 0.006, num_steps=250)
    truncated = int((imdb_data.train_num_tokens > 500).sum())
    assert exercises.check_truncated(truncated) and not exercises.check_truncated(truncated + 1)
    vocab = exercises.reserved_pad_vocab()
    assert len(vocab) == len(imdb_data.vocab) + 1 == 49_347
    assert exercises.check_reserved_pad(len(vocab), vocab['<pad>'])
    assert not exercises.check_reserved_pad(len(vocab), 0)
    out = capsys.readouterr().out.splitlines()
    assert [line.split(':')[0] for line in out] == ['right', 'not yet', 'right', 'not yet',
                                                    'right', 'not yet']
