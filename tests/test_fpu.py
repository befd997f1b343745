import threading

import numpy as np

from d2lsent import fpu


def test_flush_denormals_sets_and_clears_ftz_and_daz():
    np.finfo(np.float32)  # numpy caches its limits; compute them with denormals on
    before = fpu.get_mxcsr()
    try:
        assert fpu.set_flush_denormals(False)
        tiny = np.array([1e-39], dtype=np.float32)  # a denormal float32
        assert (tiny * np.float32(1)).item() > 0
        assert fpu.set_flush_denormals(True)
        assert fpu.get_mxcsr() & fpu.FTZ and fpu.get_mxcsr() & fpu.DAZ
        assert (tiny * np.float32(1)).item() == 0  # denormal input read as zero
        assert (np.float32(1e-38) * np.float32(0.01)).item() == 0  # result flushed
        # A thread started now inherits the mode (this is what MXNet relies on).
        seen = []
        thread = threading.Thread(target=lambda: seen.append(fpu.get_mxcsr()))
        thread.start()
        thread.join()
        assert seen[0] & fpu.FTZ
    finally:
        fpu.set_flush_denormals(bool(before & fpu.FTZ))
