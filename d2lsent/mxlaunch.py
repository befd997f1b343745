"""MXNet's own launcher for its distributed kvstore, runnable on Python 3.9 and later.

``python -m d2lsent.mxlaunch -n 2 -s 1 --launcher local python -m d2lsent train
--backend mxnet`` starts a scheduler, one server and two workers on this machine,
as ``python -m mxnet.tools.launch`` does (same options: ``--launcher ssh -H hosts``
for several hosts). That launcher, in MXNet 1.9.1, calls ``Thread.isAlive``, which
Python 3.9 removed; this module restores that one name and runs it unchanged.
Each process runs the command; the scheduler and the server stop inside
``import mxnet`` to do their part, the workers train (``d2lsent.mxnet.kvstore``).
Each launch puts its scheduler on the first port from 9091 that it finds free (by
binding and closing it): two launches started at the same moment on one machine can
take the same port and hang.
"""
import runpy
import sys
import threading

if __name__ == '__main__':
    if not hasattr(threading.Thread, 'isAlive'):
        threading.Thread.isAlive = threading.Thread.is_alive
    sys.argv[0] = 'python -m d2lsent.mxlaunch'
    runpy.run_module('mxnet.tools.launch', run_name='__main__', alter_sys=True)
