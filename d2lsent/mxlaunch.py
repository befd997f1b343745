"""A launcher for MXNet's distributed kvstore (``dist_sync``) on this machine.

``python -m d2lsent.mxlaunch -n 2 [-s 1] COMMAND [ARGS...]`` (or ``run``) starts MXNet's
parameter server on 127.0.0.1, each part a process of its own: a scheduler, which
introduces the others to each other, ``-s`` servers, which sum what the workers push,
and ``-n`` workers, which run COMMAND (it creates ``mx.kv.create('dist_sync')``). The
scheduler and the servers run ``import mxnet``: given their role in the environment,
MXNet serves inside that import and returns when the workers are done. Every process
learns its role and the scheduler's address from ps-lite's ``DMLC_*`` variables
(``environment``).

Processes start from argument lists, never through a shell, so that COMMAND's arguments
arrive as they were given. The launch succeeds when every process exits with status 0.
When one fails or is killed, the launcher stops the others and prints one line naming
it; on Ctrl-C (SIGINT) or SIGTERM it stops them all and returns 130.

For several hosts, use MXNet's own ``python -m mxnet.tools.launch``.
"""
import argparse
import ctypes
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

HOST = '127.0.0.1'  # every process binds and connects here: no network is needed
SERVE = [sys.executable, '-c', 'import mxnet']  # what the scheduler and servers run
PREFIX = 'd2lsent.mxlaunch:'  # starts each line the launcher prints
START_S = 120  # how long the scheduler may take to import MXNet and listen
STOP_S = 30  # how long the scheduler and servers may take to exit after the workers
GRACE_S = 5  # between SIGTERM and SIGKILL when stopping a process
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)  # they stop the launch, as Ctrl-C does


def environment(base, role, port, num_workers, num_servers):
    """The environment of one process of the launch: ``base`` with the variables that
    ps-lite (MXNet's parameter server) reads, and one OpenMP thread unless ``base``
    sets a number."""
    # Inherited DMLC_* variables (say, a worker's, in a launch started by a worker)
    # would change the role or the rank ps-lite assigns.
    env = {k: v for k, v in base.items() if not k.startswith('DMLC_')}
    env.setdefault('OMP_NUM_THREADS', '1')
    env.update(
        DMLC_ROLE=role,  # scheduler, server or worker
        DMLC_PS_ROOT_URI=HOST,  # the scheduler's address: it binds it, the others call it
        DMLC_PS_ROOT_PORT=str(port),
        DMLC_NUM_WORKER=str(num_workers),
        DMLC_NUM_SERVER=str(num_servers),
        # The address a server or worker binds and gives the others. Without it, ps-lite
        # takes the first interface that is not loopback, and fails where there is none.
        DMLC_NODE_HOST=HOST)
    return env


def free_port():
    """A TCP port that is free on 127.0.0.1 now (the system's choice)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def listening(pid, port):
    """Whether process ``pid`` listens on 127.0.0.1:``port`` (from Linux's /proc;
    elsewhere, whether any process does)."""
    if not os.path.exists('/proc/net/tcp'):
        with socket.socket() as s:
            return s.connect_ex((HOST, port)) == 0
    # /proc/net/tcp: one socket a line, 'ADDRESS:PORT' in hex (the address in the
    # machine's byte order), the state ('0A': listening), the socket's inode.
    address = '%08X:%04X' % (struct.unpack('=I', socket.inet_aton(HOST))[0], port)
    with open('/proc/net/tcp') as f:
        inodes = {fields[9] for fields in map(str.split, f)
                  if fields[1] == address and fields[3] == '0A'}
    try:  # the process's open files name its sockets 'socket:[INODE]'
        names = os.listdir(f'/proc/{pid}/fd')
    except OSError:  # it has exited
        return False
    for name in names:
        try:
            if os.readlink(f'/proc/{pid}/fd/{name}')[len('socket:['):-1] in inodes:
                return True
        except OSError:  # closed meanwhile
            pass
    return False


_LIBC = ctypes.CDLL(None) if sys.platform.startswith('linux') else None  # for prctl


def _die_with_launcher():
    """Run in each new process before its command (Linux): the kernel kills it when the
    launcher dies, even of SIGKILL, which leaves the launcher no time to stop it."""
    _LIBC.prctl(1, int(signal.SIGKILL))  # 1: PR_SET_PDEATHSIG


def _ended(status):
    """How a process that exited with ``status`` ended (negative: killed by a signal)."""
    if status >= 0:
        return f'exited with status {status}'
    try:
        return f'was killed by {signal.Signals(-status).name}'
    except ValueError:  # a signal without a name
        return f'was killed by signal {-status}'


class Node:
    """One process of the launch, ``name`` (``worker 1``), started in a session of its
    own (so that stopping it stops whatever it started). Its standard error is copied
    to ours when ``echo``; its last bytes are kept for the line that reports a failure."""

    def __init__(self, name, command, env, echo):
        self.name = name
        self.tail = b''
        self.process = subprocess.Popen(
            command, env=env, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True, preexec_fn=_die_with_launcher if _LIBC else None)
        self.reader = threading.Thread(target=self._read, args=(echo,), daemon=True)
        self.reader.start()

    def _read(self, echo):
        while chunk := os.read(self.process.stderr.fileno(), 65536):
            self.tail = (self.tail + chunk)[-4096:]
            try:
                while echo and chunk:  # as it comes: progress bars redraw without newlines
                    chunk = chunk[os.write(2, chunk):]  # file 2: where a child's would go
            except OSError:  # ours is closed: keep reading, or the process would block
                echo = False

    def last_line(self):
        """The last line this process wrote to its standard error ('' if none)."""
        self.reader.join(timeout=2)  # what it wrote before it ended
        lines = self.tail.decode(errors='replace').replace('\r', '\n').splitlines()
        return next((line.strip()[:300] for line in reversed(lines) if line.strip()), '')

    def failure(self):
        """How this process ended, if it failed (``worker 1 exited with status 1:
        ValueError: ...``); None while it runs or when it exited with status 0."""
        status = self.process.poll()
        if not status:
            return None
        line = self.last_line()
        if line and status < 0:  # killed: what it wrote last may have been long before
            line = f'its last line was {line!r}'
        return f'{self.name} {_ended(status)}' + (f': {line}' if line else '')

    def signal(self, signum):
        """Send ``signum`` to this process and to every process it started, if it runs."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signum)
            except ProcessLookupError:  # exited meanwhile
                pass


def _stop(nodes):
    """Stop every node that still runs: SIGTERM, then SIGKILL after ``GRACE_S``."""
    for node in nodes:
        node.signal(signal.SIGTERM)
    deadline = time.monotonic() + GRACE_S
    for node in nodes:
        try:
            node.process.wait(timeout=max(0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            node.signal(signal.SIGKILL)
            node.process.wait()


def _wait_listening(scheduler, port):
    """Wait until the scheduler listens on ``port``: None; or a line that says why not."""
    deadline = time.monotonic() + START_S
    while not listening(scheduler.process.pid, port):
        if scheduler.process.poll() is not None:
            if 'bind failed' in scheduler.last_line():  # another process has the port
                return f'port {port} on {HOST} is taken: start the launch again'
            return scheduler.failure() or 'the scheduler exited before it listened'
        if time.monotonic() > deadline:
            return f'the scheduler did not listen on port {port} within {START_S} s'
        time.sleep(0.05)
    return None


def _watch(nodes, workers):
    """Wait until every node has exited with status 0 (None), or one failed: a line that
    says which and how."""
    workers_done = None  # when the last worker exited
    while True:
        failure = next(filter(None, (node.failure() for node in nodes)), None)
        if failure:
            return f'{failure} (stopped the other processes)'
        if all(node.process.returncode == 0 for node in nodes):
            return None
        if workers_done is None and all(w.process.returncode == 0 for w in workers):
            workers_done = time.monotonic()
        if workers_done and time.monotonic() - workers_done > STOP_S:
            return (f'the scheduler and servers did not stop within {STOP_S} s of the '
                    f"workers' end: did every worker create the dist_sync kvstore?")
        time.sleep(0.1)


def _interrupt(signum, frame):
    raise KeyboardInterrupt  # SIGTERM, too, stops the launch as Ctrl-C does


def _handle(handlers):
    """Set ``handlers`` ({signal: handler}) where Python allows it, in the main thread;
    the handlers they replace."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {s: signal.signal(s, h) for s, h in handlers.items() if h is not None}


def run(command, num_workers, num_servers=1, env=None, port=None):
    """Run ``command`` (a list of arguments) in ``num_workers`` workers of MXNet's
    distributed kvstore, with a scheduler and ``num_servers`` servers, on 127.0.0.1;
    the exit status: 0 when every process exited with status 0, 130 when interrupted
    (SIGINT or SIGTERM), else 1.

    ``env``: their environment (default ``os.environ``); ``port``: the scheduler's
    (default: a free one)."""
    if num_workers < 1 or num_servers < 1:
        raise ValueError('A launch needs at least one worker and one server.')
    base = os.environ if env is None else env
    port = port or free_port()

    def start(name, role, argv, echo):
        env = environment(base, role, port, num_workers, num_servers)
        return Node(name, argv, env, echo)

    nodes, previous, status = [], {}, 1
    try:
        previous = _handle(dict.fromkeys(STOP_SIGNALS, _interrupt))
        # The scheduler first: no other process may call the port before it is ours.
        nodes.append(start('the scheduler', 'scheduler', SERVE, echo=False))
        failure = _wait_listening(nodes[0], port)
        if not failure:
            for i in range(num_servers):
                nodes.append(start(f'server {i}', 'server', SERVE, echo=False))
            for i in range(num_workers):
                nodes.append(start(f'worker {i}', 'worker', command, echo=True))
            failure = _watch(nodes, workers=nodes[-num_workers:])
    except OSError as e:  # a command that cannot start: not found, not executable
        failure = f'could not start a process ({e}); stopped the others'
    except KeyboardInterrupt:
        failure, status = 'interrupted: stopped every process', 130
    finally:
        _handle(dict.fromkeys(STOP_SIGNALS, signal.SIG_IGN))  # a second Ctrl-C waits
        _stop(nodes)  # whatever happened, leave no process behind
        _handle(previous)
    if not failure:
        return 0
    print(f'{PREFIX} {failure}', file=sys.stderr, flush=True)
    return status


def main(argv=None):
    """``python -m d2lsent.mxlaunch -n N [-s S] [--port P] COMMAND [ARGS...]``: ``run``."""
    parser = argparse.ArgumentParser(
        prog='python -m d2lsent.mxlaunch',
        description="Run COMMAND in N workers of MXNet's distributed kvstore (dist_sync) "
                    'on this machine, with a scheduler and S servers, all on 127.0.0.1.')
    parser.add_argument('-n', '--num-workers', type=int, required=True, metavar='N',
                        help='number of workers, each running COMMAND')
    parser.add_argument('-s', '--num-servers', type=int, default=1, metavar='S',
                        help='number of servers (default: %(default)s)')
    parser.add_argument('--port', type=int,
                        help="the scheduler's port on 127.0.0.1 (default: a free one)")
    parser.add_argument('command', nargs=argparse.REMAINDER, metavar='COMMAND [ARGS...]')
    args = parser.parse_args(argv)
    if not args.command:
        parser.error('give the command that each worker runs')
    try:
        return run(args.command, args.num_workers, args.num_servers, port=args.port)
    except ValueError as e:
        parser.error(str(e))


if __name__ == '__main__':
    sys.exit(main())
