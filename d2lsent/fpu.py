"""Flush denormal floats to zero in the calling thread (x86-64 with glibc).

Denormal (subnormal) floats are handled in slow microcode by some x86 CPUs; the
gradients of long recurrences produce many of them. PyTorch has a switch
(``torch.set_flush_denormal``) for the calling thread; MXNet has none. Worker
threads take the floating-point mode of the thread that starts them. This
module sets the two bits of the SSE control register MXCSR that matter,
flush-to-zero (FTZ) and denormals-are-zero (DAZ), through the C maths library's
``fegetenv`` and ``fesetenv``, so that it can run before MXNet starts its threads;
``restart_openmp_threads`` lets OpenMP's threads take a mode set later.
"""
import ctypes
import ctypes.util
import platform

FTZ, DAZ = 1 << 15, 1 << 6
_MXCSR_OFFSET = 28  # glibc's x86-64 fenv_t: 28 bytes of x87 state, then MXCSR


class _FenvT(ctypes.Structure):
    _fields_ = [('x87', ctypes.c_ubyte * _MXCSR_OFFSET), ('mxcsr', ctypes.c_uint32)]


def _libm():
    if platform.machine() not in ('x86_64', 'AMD64') or platform.system() != 'Linux':
        return None
    return ctypes.CDLL(ctypes.util.find_library('m'))  # fegetenv, fesetenv


def _fenv():
    """``(libm, fenv_t)`` of the calling thread, or ``(None, None)`` where unsupported."""
    libm = _libm()
    env = _FenvT()
    if libm is None or libm.fegetenv(ctypes.byref(env)) != 0:
        return None, None
    return libm, env


def get_mxcsr():
    """The calling thread's MXCSR, or ``None`` where this module cannot read it."""
    env = _fenv()[1]
    return None if env is None else env.mxcsr


def set_flush_denormals(enabled=True):
    """Set (or clear) FTZ and DAZ in the calling thread; ``True`` if it worked."""
    libm, env = _fenv()
    if env is None:
        return False
    env.mxcsr = env.mxcsr | FTZ | DAZ if enabled else env.mxcsr & ~(FTZ | DAZ)
    return libm.fesetenv(ctypes.byref(env)) == 0 and get_mxcsr() == env.mxcsr


def restart_openmp_threads():
    """End the calling thread's OpenMP worker threads (GNU OpenMP's
    ``omp_pause_resource_all``, OpenMP 5.0), so that its next parallel region starts new
    ones, which take the calling thread's mode; ``False`` where no libgomp is loaded."""
    try:
        with open('/proc/self/maps') as f:  # wheels may rename their libgomp
            paths = {line.split()[-1] for line in f if '/libgomp' in line}
    except OSError:
        return False
    # Only OpenMP 5.0's have the call (scikit-learn bundles an older libgomp); 1: soft.
    pausable = [lib for lib in map(ctypes.CDLL, paths) if hasattr(lib, 'omp_pause_resource_all')]
    return bool(pausable) and all(lib.omp_pause_resource_all(1) == 0 for lib in pausable)
