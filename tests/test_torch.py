import os

import pytest
import torch

from d2lsent import torch as d2l
from d2lsent.config import Config


def test_load_data_imdb_gives_torch_batches(imdb_data):
    train_iter, test_iter, vocab = d2l.load_data_imdb(64)
    assert len(vocab) == 49_346
    X, y = next(iter(train_iter))
    assert X.shape == (64, 500) and X.dtype == torch.int32
    assert y.shape == (64,) and y.dtype == torch.int64
    X, y = next(iter(test_iter))
    assert (X.numpy() == imdb_data.test_features[:64]).all()


def test_load_array_shuffles_with_seed():
    x = torch.arange(10).numpy()
    a = [b for b, in d2l.load_array((x,), 4, seed=7)]
    b = [b for b, in d2l.load_array((x,), 4, seed=7)]
    assert all(torch.equal(p, q) for p, q in zip(a, b))
    assert sorted(torch.cat(a).tolist()) == list(range(10))
    assert torch.cat([b for b, in d2l.load_array((x,), 4, is_train=False)]).tolist() == \
        list(range(10))


def test_parameter_count_and_output_shape():
    net = d2l.BiRNN(vocab_size=49_346, embed_size=100, num_hiddens=100, num_layers=2)
    # embedding 49,346 x 100; per LSTM layer and direction 4h x (input + h) + 2 x 4h
    # biases; decoder 4h x 2 + 2.
    expected = 49_346 * 100 + 2 * (400 * 200 + 800) + 2 * (400 * 300 + 800) + 802
    assert sum(p.numel() for p in net.parameters()) == expected == 5_338_602
    assert net(torch.zeros((3, 7), dtype=torch.int32)).shape == (3, 2)


def test_build_model_copies_glove_and_freezes_on_request(imdb_data, embedding):
    vocab = imdb_data.vocab
    net = d2l.build_model(vocab, embedding, Config())
    rows = net.embedding.weight.detach().numpy()
    assert rows.shape == (49_346, 50)
    assert (rows[vocab['movie']] == embedding[['movie']][0]).all()
    assert net.embedding.weight.requires_grad
    frozen = d2l.build_model(vocab, embedding, Config(freeze_embedding=True))
    assert not frozen.embedding.weight.requires_grad
    # Same seed, same initial LSTM and decoder weights.
    assert torch.equal(net.decoder.weight, frozen.decoder.weight)
    xavier = d2l.build_model(vocab, embedding, Config(embedding_init='xavier'))
    rows = xavier.embedding.weight.detach().numpy()  # Xavier: |w| <= sqrt(6 / (n + 50))
    assert rows.shape == (49_346, 50) and 0 < abs(rows).max() <= (6 / 49_396) ** 0.5


def test_reverse_padded_reverses_only_the_tokens():
    x = torch.arange(4).reshape(4, 1).repeat(1, 3)  # (steps, batch)
    out = d2l.reverse_padded(x, torch.tensor([4, 2, 1]))
    assert out.T.tolist() == [[3, 2, 1, 0], [1, 0, 2, 3], [0, 1, 2, 3]]
    assert torch.equal(d2l.reverse_padded(out, torch.tensor([4, 2, 1])), x)


def test_masked_outputs_equal_each_review_alone(imdb_data):
    """The fast recipe's outputs at every real token are those of the review run alone."""
    torch.manual_seed(0)
    net = d2l.BiRNN(len(imdb_data.vocab), 50, 100, 2).eval()
    lengths = torch.tensor([60, 1, 17, 59, 33, 2])
    X = torch.tensor(imdb_data.test_features[:6, :60])
    with torch.no_grad():
        outputs = d2l.masked_lstm(net.encoder, net.embedding(X.T), lengths)
        logits = net(X, lengths)
        for b, n in enumerate(lengths):
            alone, _ = net.encoder(net.embedding(X[b:b + 1, :n].T))
            assert torch.allclose(outputs[:n, b], alone[:, 0], atol=1e-5)
            assert torch.allclose(logits[b], net(X[b:b + 1, :n])[0], atol=1e-5)


def test_fast_and_book_agree_when_all_lengths_are_equal(imdb_data):
    torch.manual_seed(0)
    net = d2l.BiRNN(len(imdb_data.vocab), 50, 100, 2)
    X = torch.tensor(imdb_data.test_features[:8, :40])
    assert torch.allclose(net(X, torch.full((8,), 40)), net(X), atol=1e-6)


GROWTH_SCRIPT = """
import torch
from d2lsent import torch as d2l
def rss_mib():
    return int(open('/proc/self/status').read().split('VmRSS:')[1].split()[0]) // 1024
lstm = torch.nn.LSTM(50, 100, num_layers=2, bidirectional=True)
lstm(torch.randn(1, 4, 50))[0].sum().backward()
start = rss_mib()
for steps in range(2, 501, 16):  # 32 batch widths, as length buckets make
    lstm(torch.randn(steps, 4, 50))[0].sum().backward()
print(rss_mib() - start)
"""


@pytest.mark.skipif(not os.path.exists('/proc/self/status'), reason='reads /proc')
def test_many_batch_widths_do_not_grow_the_process(fresh_python):
    """oneDNN caches a primitive per input shape; ``d2lsent.torch`` keeps that cache
    small, or the process grows with every new batch width (BENCHMARKS.md)."""
    def growth_mib(capacity):
        return int(fresh_python(GROWTH_SCRIPT, ONEDNN_PRIMITIVE_CACHE_CAPACITY=capacity,
                                DNNL_PRIMITIVE_CACHE_CAPACITY=None)[-1])
    assert growth_mib(None) < 100
    assert growth_mib('1024') > 150  # oneDNN's default


def test_flush_denormals_reaches_every_openmp_thread(fresh_python):
    """``torch.set_flush_denormal`` sets the calling thread only; inside the backend's
    block, a parallel product over two threads flushes all of its denormals, and after
    it none (in a fresh process with two threads, whatever the tests run with)."""
    code = ('import torch\nfrom d2lsent import torch as d2l\n'
            'torch.set_num_threads(2)\n'
            'x = torch.full((1 << 20,), 1e-39)\n'
            'print(((x * 1.0) != 0).sum().item())\n'
            'torch.set_flush_denormal(True)\n'
            'print(((x * 1.0) != 0).sum().item())\n'
            'torch.set_flush_denormal(False)\n'
            'with d2l.flush_denormals() as flushing:\n'
            '    print(flushing, ((x * 1.0) != 0).sum().item())\n'
            'print(((x * 1.0) != 0).sum().item())\n')
    everything, half = str(1 << 20), str(1 << 19)
    assert fresh_python(code) == [everything, half, 'True', '0', everything]
