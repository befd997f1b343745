"""Where a run happens: the machine (for stored outputs and run folders) and the
number of processes a launcher started."""
import os
import platform
import time


def launched_processes():
    """How many processes a launcher such as ``torchrun`` started for this run
    (``$WORLD_SIZE``; 1 without one)."""
    try:
        return int(os.environ.get('WORLD_SIZE') or 1)
    except ValueError:
        raise ValueError(f"WORLD_SIZE must be a whole number of processes, got "
                         f"{os.environ['WORLD_SIZE']!r}: unset it, or launch with torchrun.")


def _cpuinfo():
    """The first processor's fields in /proc/cpuinfo (empty where there is none)."""
    info = {}
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                key, _, value = line.partition(':')
                info.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    return info


VECTORS = {'avx512f': 'AVX-512', 'avx2': 'AVX2'}  # cpuinfo flag: name, widest first
MAKERS = ('AMD', 'Intel')


def _vectors(info):
    """The widest vector instructions ``info`` (``_cpuinfo``) lists."""
    flags = info.get('flags', '').split()
    return next((name for flag, name in VECTORS.items() if flag in flags), 'no AVX2')


def peak_gflops():
    """Single-precision GFLOP/s that all cores can do at most: cores x clock x floats
    per vector x 2 (a fused multiply-add) x 2 FMA units; None without /proc/cpuinfo.

    AMD family 25 (Zen 3 and 4) runs AVX-512 on 256-bit units, so it counts as AVX2.
    """
    info = _cpuinfo()
    if 'cpu MHz' not in info:
        return None
    vectors = _vectors(info)
    if vectors == 'AVX-512' and (info.get('vendor_id'), info.get('cpu family')) == (
            'AuthenticAMD', '25'):
        vectors = 'AVX2'
    floats = {'AVX-512': 16, 'AVX2': 8}.get(vectors, 4)
    return os.cpu_count() * float(info['cpu MHz']) / 1000 * floats * 2 * 2


def describe_machine():
    """Where a run happens: CPU model, family and vector width, count, OS, Python, date
    (for stored outputs; "AMD EPYC" alone names several generations of CPU)."""
    cpu, info = platform.processor() or platform.machine(), _cpuinfo()
    if 'model name' in info:
        cpu = (f"{info['model name']} (family {info.get('cpu family', '?')} model "
               f"{info.get('model', '?')}, {_vectors(info)})")
    return (f'{os.cpu_count()} x {cpu}, {platform.system()}, Python '
            f'{platform.python_version()}, {time.strftime("%Y-%m-%d")}')


def cpu_kind(description):
    """The maker and vector width a ``describe_machine`` text names ('AMD AVX2', 'Intel
    AVX-512', ...), or None where it names no vector width (older descriptions)."""
    vectors = next((name for name in VECTORS.values() if name in description), None)
    if vectors is None:
        return None
    return ' '.join([maker for maker in MAKERS if maker in description] + [vectors])
