"""What only the PyTorch backend does: its oneDNN cache and its denormal floats (the
behaviour both backends share: tests/test_backend.py)."""
import os

import pytest


GROWTH_SCRIPT = """
import torch
from d2lsent import torch as d2l
d2l.setup()
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
