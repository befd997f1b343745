"""d2lsent.mxlaunch, the launcher of MXNet's distributed kvstore: arguments reach the
workers as given, a launch ends (and leaves no process) when a process fails or the
launcher is interrupted, two launches at once each get their own scheduler, and
127.0.0.1 is all it needs. The workers run a small script (``WORKER``); the last test
trains (``python -m d2lsent train --backend mxnet --processes 2``)."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid

import pytest

from conftest import launch, needs

pytestmark = needs('mxnet')

from d2lsent import mxlaunch as launcher  # noqa: E402

slow = pytest.mark.slow  # the tests that launch: each starts fresh Pythons

# A worker: it notes that it started (before MXNet, inside whose import a scheduler or
# server would stay), sums rank + 1 over the workers in the kvstore, writes what it got
# and says so. With $THEN, one worker fails: 'raise' (the first worker to get there)
# before it joins the kvstore, 'exit' or 'kill' (rank 1) after; or 'sleep': every
# worker sleeps.
WORKER = '''\
import json, os, signal, sys, time
out, then = sys.argv[1], os.environ.get('THEN')
with open(os.path.join(out, 'started'), 'a') as f:
    f.write(os.environ.get('DMLC_ROLE', '?') + '\\n')

def fail():
    with open(os.path.join(out, 'failed'), 'a') as f:
        f.write(f'{time.time()}\\n')
    if then == 'raise':
        raise ValueError('a worker gives up before it joins')
    if then == 'exit':
        print('rank 1 gives up', file=sys.stderr, flush=True)
        os._exit(3)
    os.kill(os.getpid(), signal.SIGKILL)

def first():  # whether this worker got here first
    try:
        os.close(os.open(os.path.join(out, 'first'), os.O_CREAT | os.O_EXCL))
        return True
    except FileExistsError:
        return False

import mxnet as mx
if then == 'raise' and first():
    fail()
kv = mx.kv.create('dist_sync')
kv.init(7, mx.nd.zeros(1))
kv.push(7, mx.nd.ones(1) * (kv.rank + 1))
total = mx.nd.zeros(1)
kv.pull(7, out=total)
with open(os.path.join(out, f'worker-{kv.rank}.json'), 'w') as f:
    json.dump(dict(workers=kv.num_workers, sum=total.asnumpy().item(), args=sys.argv[2:],
                   threads=os.environ.get('OMP_NUM_THREADS')), f)
print(f'rank {kv.rank} summed', flush=True)
print(f'rank {kv.rank} is done', file=sys.stderr, flush=True)
if then in ('exit', 'kill') and kv.rank == 1:
    fail()
if then:
    time.sleep(600)  # until the launcher stops it
'''
LIMIT_S = 180  # far beyond a launch of WORKER: only a hang reaches it
MARK = 'D2LSENT_MXLAUNCH_TEST'  # set in a launch's environment, so in all its processes
PREFIX = 'd2lsent.mxlaunch:'  # the launcher's own lines


def marked_processes(marker):
    """The ids of the processes whose environment holds ``MARK=marker``."""
    found = []
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open(f'/proc/{pid}/environ', 'rb') as f:
                if f'{MARK}={marker}'.encode() in f.read().split(b'\0'):
                    found.append(int(pid))
        except OSError:  # exited, or not ours to read
            pass
    return found


@pytest.fixture
def marker():
    """A mark for this test's launches; afterwards, none of their processes may remain
    (any that do are killed, so that a failed test leaves nothing behind)."""
    marker = uuid.uuid4().hex
    yield marker
    left = marked_processes(marker)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f'processes left behind: {left}'


@pytest.fixture
def worker(tmp_path):
    script = tmp_path / 'worker.py'
    script.write_text(WORKER)
    return [sys.executable, str(script), str(tmp_path)]


def start(command, marker, **env):
    """Start ``command`` (a launch) in a session of its own, marked with ``marker``,
    without $OMP_NUM_THREADS (the launcher sets it)."""
    environ = {k: v for k, v in os.environ.items() if k != 'OMP_NUM_THREADS'}
    environ.update(env, **{MARK: marker})
    return subprocess.Popen(command, env=environ, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def finish(launched):
    """The finished launch: ``(status, stdout, stderr, the launcher's lines)``."""
    try:
        stdout, stderr = launched.communicate(timeout=LIMIT_S)
    except subprocess.TimeoutExpired:
        os.killpg(launched.pid, signal.SIGKILL)
        stdout, stderr = launched.communicate()
        pytest.fail(f'The launch did not finish in {LIMIT_S} s: {stderr[-2000:]}')
    lines = [line for line in stderr.splitlines() if line.startswith(PREFIX)]
    return launched.returncode, stdout, stderr, lines


def mxlaunch(*args):
    """The command that runs d2lsent.mxlaunch with ``args``."""
    return [sys.executable, '-m', 'd2lsent.mxlaunch', *args]


def assert_summed(folder, args=()):
    """Both workers of a launch of WORKER ran, with ``args``, and summed 1 + 2."""
    for rank in (0, 1):
        got = json.loads((folder / f'worker-{rank}.json').read_text())
        assert got == dict(workers=2, sum=3.0, args=list(args), threads='1'), rank


def wait_for_both_workers(launched, folder):
    """Wait until both workers of ``launched`` (a launch of WORKER) have summed."""
    deadline = time.monotonic() + LIMIT_S
    while len(list(folder.glob('worker-*.json'))) < 2:
        assert launched.poll() is None and time.monotonic() < deadline, finish(launched)
        time.sleep(0.1)


def test_each_process_learns_its_part_from_the_environment():
    """ps-lite's variables, everything on 127.0.0.1; inherited DMLC_* variables dropped
    (a rank would stop ps-lite from assigning one); one OpenMP thread unless set."""
    caller = dict(PATH='/bin', DMLC_ROLE='worker', DMLC_RANK='1', DMLC_INTERFACE='eth0')
    assert launcher.environment(caller, 'server', 1234, 2, 1) == dict(
        PATH='/bin', OMP_NUM_THREADS='1', DMLC_ROLE='server', DMLC_PS_ROOT_URI='127.0.0.1',
        DMLC_PS_ROOT_PORT='1234', DMLC_NUM_WORKER='2', DMLC_NUM_SERVER='1',
        DMLC_NODE_HOST='127.0.0.1')
    assert launcher.environment(dict(OMP_NUM_THREADS='4'), 'worker', 1, 1, 1)[
        'OMP_NUM_THREADS'] == '4'


@pytest.mark.parametrize('args, error', [
    (['-n', '0', 'true'], 'at least one worker and one server'),
    (['-n', '2'], 'give the command that each worker runs'),
    (['-n', '2', '--launcher', 'ssh', 'true'], 'unrecognized arguments: --launcher')])
def test_the_command_line_refuses_what_it_cannot_launch(capsys, args, error):
    with pytest.raises(SystemExit) as exited:
        launcher.main(args)
    assert exited.value.code == 2 and error in capsys.readouterr().err


@slow
def test_arguments_reach_the_workers_as_given(tmp_path, marker, worker):
    """No shell between the launcher and the workers: a space, quotes and ``$(...)``
    arrive verbatim, and nothing runs. Only the workers run the command; each
    process gets one OpenMP thread."""
    args = ['two words', f'$(touch {tmp_path}/touched)', "it's; true", '*', '']
    launched = start(mxlaunch('-n', '2', *worker, *args), marker)
    status, stdout, stderr, lines = finish(launched)
    assert status == 0 and not lines, stderr[-3000:]
    assert_summed(tmp_path, args)
    for rank in (0, 1):  # what the workers print passes through
        assert f'rank {rank} summed' in stdout and f'rank {rank} is done' in stderr
    assert not (tmp_path / 'touched').exists()
    assert (tmp_path / 'started').read_text().split() == ['worker', 'worker']


@slow
@pytest.mark.parametrize('then, how', [
    ('raise', 'exited with status 1: ValueError: a worker gives up before it joins'),
    ('exit', 'exited with status 3: rank 1 gives up'),
    ('kill', 'was killed by SIGKILL')], ids=['raise', 'exit', 'kill'])
def test_a_failed_worker_ends_the_launch(tmp_path, marker, worker, then, how):
    """A worker fails while the other waits for it (to join the kvstore, or to push):
    the launch stops every process within seconds and fails, with one line that names
    the worker and its error (not the environment)."""
    launched = start(mxlaunch('-n', '2', *worker), marker, THEN=then)
    status, stdout, stderr, lines = finish(launched)
    ended = time.time()
    assert status == 1, stderr[-3000:]
    assert len(lines) == 1, stderr[-3000:]
    said = ': its last line was .+' if then == 'kill' else ': .+'  # killed: maybe stale
    expected = rf'{PREFIX} worker [01] {how}({said})? \(stopped the other processes\)'
    assert re.fullmatch(expected, lines[0]), lines
    failed = (tmp_path / 'failed').read_text().split()
    assert len(failed) == 1 and ended - float(failed[0]) < 15
    assert marker not in stdout + stderr and 'DMLC_PS_ROOT_PORT' not in stdout + stderr
    assert marked_processes(marker) == []


@slow
def test_two_launches_at_once_work(tmp_path, marker, worker):
    """Each launch gets its own scheduler: both succeed, or one says that its port is
    taken; never a success without the workers' results."""
    folders = [tmp_path / 'a', tmp_path / 'b']
    launches = []
    for folder in folders:
        folder.mkdir()
        launches.append(start(mxlaunch('-n', '2', *worker[:2], str(folder)), marker))
    succeeded = 0
    for folder, launched in zip(folders, launches):
        status, _, stderr, lines = finish(launched)
        if status == 0:
            assert_summed(folder)
            succeeded += 1
        else:
            assert len(lines) == 1 and re.fullmatch(
                rf'{PREFIX} port \d+ on 127.0.0.1 is taken: start the launch again',
                lines[0]), stderr[-3000:]
    assert succeeded >= 1


@slow
def test_a_taken_port_fails_the_launch_at_once(tmp_path, marker, worker):
    """Another process listens on the scheduler's port: one line says so, and no worker
    starts (it would call that other process)."""
    with socket.socket() as taken:
        taken.bind(('127.0.0.1', 0))
        taken.listen()
        port = taken.getsockname()[1]
        began = time.monotonic()
        status, _, stderr, lines = finish(
            start(mxlaunch('-n', '2', '--port', str(port), *worker), marker))
    assert status == 1 and time.monotonic() - began < 60, stderr[-3000:]
    assert lines == [f'{PREFIX} port {port} on 127.0.0.1 is taken: start the launch again']
    assert not (tmp_path / 'started').exists()
    assert marked_processes(marker) == []


@slow
def test_a_command_that_cannot_start_fails_the_launch(tmp_path, marker):
    """A worker's command that does not exist: one line, not a traceback."""
    missing = tmp_path / 'missing'
    status, _, stderr, lines = finish(start(mxlaunch('-n', '1', str(missing)), marker))
    assert status == 1 and lines == [
        f"{PREFIX} could not start a process ([Errno 2] No such file or directory: "
        f"'{missing}'); stopped the others"], stderr[-3000:]


@slow
def test_a_launch_needs_only_loopback(tmp_path, marker, worker):
    """In a network namespace with loopback alone (no address to go out on)."""
    if not (shutil.which('unshare') and shutil.which('ip')):
        pytest.skip('needs unshare and ip (util-linux, iproute2)')
    if subprocess.run(['unshare', '--net', 'true'], capture_output=True).returncode:
        pytest.skip('unshare --net is not permitted here (needs root)')
    command = ['unshare', '--net', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh',
               *mxlaunch('-n', '2', *worker)]
    status, _, stderr, lines = finish(start(command, marker))
    assert status == 0 and not lines, stderr[-3000:]
    assert_summed(tmp_path)


@slow
@pytest.mark.parametrize('signum', [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_an_interrupted_launch_stops_every_process(tmp_path, marker, worker, signum):
    """Ctrl-C (SIGINT) or SIGTERM to the launcher, with both workers running: it stops
    them all and exits with status 130."""
    launched = start(mxlaunch('-n', '2', *worker), marker, THEN='sleep')
    wait_for_both_workers(launched, tmp_path)
    launched.send_signal(signum)
    interrupted = time.monotonic()
    status, _, stderr, lines = finish(launched)
    assert status == 130, stderr[-3000:]
    assert lines == [f'{PREFIX} interrupted: stopped every process']
    assert time.monotonic() - interrupted < 15
    assert marked_processes(marker) == []


@slow
@pytest.mark.skipif(not sys.platform.startswith('linux'), reason="Linux's PR_SET_PDEATHSIG")
def test_a_killed_launcher_takes_its_processes_along(tmp_path, marker, worker):
    """SIGKILL leaves the launcher no time to stop anything: the kernel stops them."""
    launched = start(mxlaunch('-n', '2', *worker), marker, THEN='sleep')
    wait_for_both_workers(launched, tmp_path)
    assert len(marked_processes(marker)) == 5  # the launcher, scheduler, server, 2 workers
    launched.kill()
    assert finish(launched)[0] == -signal.SIGKILL
    deadline = time.monotonic() + 10
    while marked_processes(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert marked_processes(marker) == []


@slow
def test_train_in_two_mxnet_processes(small_cache, tmp_path, monkeypatch):
    """``train --backend mxnet --processes 2`` launches two workers through
    d2lsent.mxlaunch; a run folder whose name holds a space and ``$(...)`` is used as
    given. (The metrics against one process: tests/test_mxnet.py.)"""
    pytest.importorskip('matplotlib', reason="the run folder's plots need matplotlib")
    monkeypatch.chdir(tmp_path)  # where a shell would run the touch
    out = 'the run $(touch touched)'
    launched = launch([sys.executable, '-m', 'd2lsent', 'train', '--backend', 'mxnet',
                       '--processes', '2', '--limit', '600', '--num-steps', '60',
                       '--epochs', '1', '--valid-size', '60', '--batch-size', '50',
                       '--out', out], small_cache)
    assert launched.returncode == 0, launched.stderr[-3000:]
    assert 'd2lsent.mxlaunch -n 2 ' in launched.stdout  # the launch it says it runs
    assert launched.stdout.count('test accuracy:') == 1  # printed by worker 0 alone
    config = json.loads((tmp_path / out / 'config.json').read_text())
    assert (config['processes'], config['threads']) == (2, 1)
    assert (tmp_path / out / 'metrics.json').is_file()
    assert not (tmp_path / 'touched').exists()


FAILING_TRAINER = '''\
import os, sys
from d2lsent import backend
from d2lsent.__main__ import main
d2l = backend.load('mxnet')
class FailingStep(d2l.TrainStep):
    def __call__(self, *batch):  # the first worker here fails; the other waits for it
        try:
            os.close(os.open(sys.argv[1], os.O_CREAT | os.O_EXCL))
        except FileExistsError:
            return super().__call__(*batch)
        raise RuntimeError('a worker fails after it joined the kvstore')
d2l.TrainStep = FailingStep
sys.exit(main(sys.argv[2:]))
'''


@slow
def test_a_worker_that_fails_in_training_ends_the_launch(small_cache, tmp_path):
    """A d2lsent worker that fails after it joined the kvstore exits at once (at Python's
    exit MXNet's kvstore would wait for the other worker, which waits for it), and the
    launch ends with the error instead of hanging."""
    script = tmp_path / 'trainer.py'
    script.write_text(FAILING_TRAINER)
    start = time.monotonic()
    launched = launch(mxlaunch('-n', '2', sys.executable, str(script), str(tmp_path / 'first'),
                               'train', '--backend', 'mxnet', '--limit', '600',
                               '--num-steps', '60', '--epochs', '1', '--valid-size', '60',
                               '--batch-size', '50', '--out', str(tmp_path / 'run')),
                      small_cache)
    assert launched.returncode != 0
    assert 'a worker fails after it joined the kvstore' in launched.stderr
    assert time.monotonic() - start < 60
    assert not (tmp_path / 'run' / 'metrics.json').exists()
