"""Data-parallel training in several processes on 127.0.0.1: torchrun (two CPU
processes, gloo) and MXNet's launcher (two workers, one server, dist_sync kvstore)."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from d2lsent import download
from d2lsent.__main__ import main

# A smoke-sized run: the command line's options, alike in one process and in two.
TRAIN = ['train', '--limit', '600', '--num-steps', '60', '--epochs', '2', '--valid-size', '60',
         '--batch-size', '50']
TIMEOUT_S = 300  # a launch takes 20-30 s here


@pytest.fixture(scope='module')
def small_cache(tmp_path_factory, imdb_data):
    """A cache whose aclImdb holds the first 300 reviews of each class and split (with
    their movies), so that every process of a launch reads it in a moment."""
    source = download.download_extract('aclImdb')
    cache = tmp_path_factory.mktemp('cache')
    for split in ('train', 'test'):
        for label in ('pos', 'neg'):
            (cache / 'aclImdb' / split / label).mkdir(parents=True)
            for name in sorted(os.listdir(source / split / label))[:300]:
                shutil.copy(source / split / label / name, cache / 'aclImdb' / split / label)
            shutil.copy(source / split / f'urls_{label}.txt', cache / 'aclImdb' / split)
    return cache


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def launch(command, cache):
    """Run a launcher ``command`` on the small data: the finished process."""
    # One thread per process (what torchrun sets, unless the caller's environment sets
    # more, as d2lsent.mxnet does in this process: two cores shared by twice their threads
    # train many times slower).
    env = dict(os.environ, D2LSENT_CACHE=str(cache), D2LSENT_DIST_TIMEOUT='60',
               OMP_NUM_THREADS='1')
    env.pop(download.MIRROR_ENV, None)
    # A session of its own, so that a launch that hangs is stopped with its workers
    # (subprocess.run's timeout would kill the launcher only and wait for its workers).
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, start_new_session=True) as launched:
        try:
            stdout, stderr = launched.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(launched.pid, signal.SIGKILL)
            launched.communicate()
            pytest.fail(f'The launch did not finish in {TIMEOUT_S} s: {" ".join(command)}')
    return subprocess.CompletedProcess(command, launched.returncode, stdout, stderr)


def torchrun(args, cache):
    """``torchrun --nproc_per_node 2`` on 127.0.0.1 with gloo: the finished process."""
    return launch([sys.executable, '-m', 'torch.distributed.run', '--nnodes', '1',
                   '--nproc_per_node', '2', '--master_addr', '127.0.0.1',
                   '--master_port', str(_free_port()), *args], cache)


def run_alone(args, cache, monkeypatch):
    """The command line in this process, on the small data."""
    monkeypatch.setenv('D2LSENT_CACHE', str(cache))
    monkeypatch.delenv(download.MIRROR_ENV, raising=False)
    assert main(args) == 0


def assert_same_training(one, two, processes=2):
    """Run folders ``two`` (several processes) and ``one`` (one): the same metrics
    within float rounding, the same files, the number of processes recorded."""
    metrics = [json.loads((run / 'metrics.json').read_text()) for run in (one, two)]
    for a, b in zip(*metrics, strict=True):
        assert b['train_loss'] == pytest.approx(a['train_loss'], rel=1e-3)
        for key in ('train_acc', 'valid_acc', 'test_acc'):
            assert abs(a[key] - b[key]) <= 0.01, (key, a, b)
    config = json.loads((two / 'config.json').read_text())
    assert (config['processes'], config['limit']) == (processes, 600)
    assert sorted(p.name for p in two.iterdir()) == sorted(p.name for p in one.iterdir())


def test_two_processes_train_as_one(small_cache, tmp_path, monkeypatch):
    """The same global minibatches (each process takes half of each): the same metrics
    as one process, within float rounding; only process 0 writes the run folder."""
    launched = torchrun(['-m', 'd2lsent', *TRAIN, '--out', str(tmp_path / 'two')],
                        small_cache)
    assert launched.returncode == 0, launched.stderr[-3000:]
    run_alone([*TRAIN, '--out', str(tmp_path / 'one')], small_cache, monkeypatch)
    assert_same_training(tmp_path / 'one', tmp_path / 'two')
    assert launched.stdout.count('test accuracy:') == 1  # printed by process 0 alone


def test_two_mxnet_workers_train_as_one(small_cache, tmp_path, monkeypatch):
    """MXNet's launcher: a scheduler, a server and two workers, whose dist_sync
    kvstore sums gradients and metrics: the same training as one process."""
    args = [*TRAIN, '--backend', 'mxnet']
    launched = launch([sys.executable, '-m', 'd2lsent.mxlaunch', '-n', '2', '-s', '1',
                       '--launcher', 'local', sys.executable, '-m', 'd2lsent', *args,
                       '--out', str(tmp_path / 'two')], small_cache)
    assert launched.returncode == 0, launched.stderr[-3000:]
    run_alone([*args, '--out', str(tmp_path / 'one')], small_cache, monkeypatch)
    assert_same_training(tmp_path / 'one', tmp_path / 'two')
    assert launched.stdout.count('test accuracy:') == 1


def test_a_crashed_worker_fails_the_launch(small_cache, tmp_path):
    """Process 1 fails in its first training step while process 0 waits for its
    gradients: torchrun stops both and fails, with the error, instead of hanging."""
    script = tmp_path / 'crash.py'
    script.write_text(
        'import os, sys\n'
        'from d2lsent import torch as backend\n'
        'from d2lsent.__main__ import main\n'
        'def failing_step(*args):\n'
        '    def step(*batch):\n'
        "        raise RuntimeError('process 1 failed on purpose')\n"
        '    return step\n'
        "if os.environ['RANK'] == '1':\n"
        '    backend.make_train_step = failing_step\n'
        'sys.exit(main(sys.argv[1:]))\n')
    start = time.monotonic()
    launched = torchrun([str(script), *TRAIN, '--out', str(tmp_path / 'run')], small_cache)
    assert launched.returncode != 0
    assert 'process 1 failed on purpose' in launched.stderr
    assert time.monotonic() - start < 120
    assert not (tmp_path / 'run' / 'model.npz').exists()


def test_torchrun_with_mxnet_and_bad_process_counts_are_refused(monkeypatch, capsys):
    monkeypatch.setenv('WORLD_SIZE', '2')
    assert main([*TRAIN, '--backend', 'mxnet']) == 1
    assert 'the MXNet backend trains in one process' in capsys.readouterr().err
    monkeypatch.setenv('WORLD_SIZE', 'two')
    assert main(TRAIN) == 1
    assert "WORLD_SIZE must be a whole number of processes, got 'two'" in \
        capsys.readouterr().err
