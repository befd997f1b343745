"""Cap oneDNN's primitive cache before a framework's first LSTM (PyTorch and MXNet alike).

oneDNN, the x86 CPU library under PyTorch's LSTM and MXNet's operators, keeps a
compiled primitive for each input shape it meets (up to 1,024 by default), each with
buffers that grow with the number of steps. Length buckets bring hundreds of shapes, so
without a cap a training process grows with each new batch width; 16 entries keep what
one training step reuses (the measurements: BENCHMARKS.md, "oneDNN's primitive cache").
oneDNN reads the setting when it makes its first primitive; newer versions read
``ONEDNN_PRIMITIVE_CACHE_CAPACITY``, older ones ``DNNL_PRIMITIVE_CACHE_CAPACITY``, so
both are set, and neither if the user set one.
"""
import os

NAMES = ('ONEDNN_PRIMITIVE_CACHE_CAPACITY', 'DNNL_PRIMITIVE_CACHE_CAPACITY')


def cap_primitive_cache(capacity=16):
    """Keep at most ``capacity`` primitives, unless the environment already chose."""
    if not any(name in os.environ for name in NAMES):
        for name in NAMES:
            os.environ[name] = str(capacity)
