"""Data-parallel training with torchrun: two CPU processes (gloo) on 127.0.0.1 (MXNet's
launcher: tests/test_mxnet.py; the small data and the launch: conftest.py)."""
import json
import pathlib
import sys
import time

import pytest

from conftest import assert_same_metrics, free_port, launch, use_cache
from d2lsent.__main__ import main

# A smoke-sized run: the command line's options, alike in one process and in two (no
# dropout: each process would draw its own masks for its half of a minibatch).
TRAIN = ['train', '--limit', '600', '--num-steps', '60', '--epochs', '2', '--valid-size', '60',
         '--batch-size', '50', '--dropout', '0']


def torchrun(args, cache):
    """``torchrun --nproc_per_node 2`` on 127.0.0.1 with gloo: the finished process."""
    return launch([sys.executable, '-m', 'torch.distributed.run', '--nnodes', '1',
                   '--nproc_per_node', '2', '--master_addr', '127.0.0.1',
                   '--master_port', str(free_port()), *args], cache)


def test_two_processes_train_as_one(small_cache, tmp_path, monkeypatch):
    """The same global minibatches (each process takes half of each): the same metrics
    as one process, within float rounding; only process 0 writes the run folder."""
    launched = launch([sys.executable, '-m', 'd2lsent', *TRAIN, '--processes', '2',
                       '--out', str(tmp_path / 'two')], small_cache)  # runs torchrun
    assert launched.returncode == 0, launched.stderr[-3000:]
    use_cache(monkeypatch, small_cache)
    assert main([*TRAIN, '--out', str(tmp_path / 'one')]) == 0
    assert_same_metrics(*(json.loads((tmp_path / run / 'metrics.json').read_text())
                          for run in ('one', 'two')))
    config = json.loads((tmp_path / 'two' / 'config.json').read_text())
    assert (config['processes'], config['threads'], config['limit']) == (2, 1, 600)
    assert ('launching 2 processes of one thread each: python -m torch.distributed.run'
            in launched.stdout)
    assert launched.stdout.count('test accuracy:') == 1  # printed by process 0 alone
    assert sorted(p.name for p in (tmp_path / 'two').iterdir()) == sorted(
        p.name for p in (tmp_path / 'one').iterdir())


def test_a_crashed_worker_fails_the_launch(small_cache, tmp_path):
    """Process 1 fails in its first training step while process 0 waits for its
    gradients: torchrun stops both and fails, with the error, instead of hanging."""
    script = tmp_path / 'crash.py'
    script.write_text(
        'import os, sys\n'
        'from d2lsent import torch as backend\n'
        'from d2lsent.__main__ import main\n'
        'class FailingStep(backend.TrainStep):\n'
        '    def __call__(self, *batch):\n'
        "        raise RuntimeError('process 1 failed on purpose')\n"
        "if os.environ['RANK'] == '1':\n"
        '    backend.TrainStep = FailingStep\n'
        'sys.exit(main(sys.argv[1:]))\n')
    start = time.monotonic()
    launched = torchrun([str(script), *TRAIN, '--out', str(tmp_path / 'run')], small_cache)
    assert launched.returncode != 0
    assert 'process 1 failed on purpose' in launched.stderr
    assert time.monotonic() - start < 120
    assert not (tmp_path / 'run' / 'model.npz').exists()


@pytest.mark.slow
def test_leaving_ends_the_threads_of_the_metrics_group(tmp_path):
    """The cause of a rare abort at exit (see torch.leave_distributed): gloo threads
    that still hold all_sum's tensors when Python shuts down. all_sum's group must
    end its threads in leave_distributed (DDP keeps its own group's threads)."""
    script = tmp_path / 'leave.py'
    script.write_text(
        'import json, os, torch\n'
        'from d2lsent import torch as d2l\n'
        'def gloo_threads():\n'
        "    return sum(open(f'/proc/self/task/{t}/comm').read().strip() == "
        "'pt_gloo_runloop'\n"
        "               for t in os.listdir('/proc/self/task'))\n"
        'rank, _ = d2l.init_distributed()\n'
        'model = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(3, 1))\n'
        'sums = d2l.all_sum([rank + 1, 10])\n'
        'before = gloo_threads()\n'
        'd2l.leave_distributed()\n'
        "with open(f'{__file__}.{rank}.json', 'w') as f:\n"
        "    json.dump(dict(sums=sums, threads=[before, gloo_threads()]), f)\n")
    launched = torchrun([str(script)], tmp_path)
    assert launched.returncode == 0, launched.stderr[-3000:]
    for rank in (0, 1):
        process = json.loads(pathlib.Path(f'{script}.{rank}.json').read_text())
        assert process['sums'] == [3.0, 20.0]
        before, after = process['threads']
        assert after < before, process


@pytest.mark.mxnet
def test_torchrun_with_mxnet_is_refused(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv('WORLD_SIZE', '2')
    assert main([*TRAIN, '--backend', 'mxnet', '--out', str(tmp_path / 'run')]) == 1
    assert 'the MXNet backend trains in one process' in capsys.readouterr().err


def test_bad_process_counts_are_refused(monkeypatch, capsys):
    assert main([*TRAIN, '--processes', '51']) == 1  # minibatches of 50
    assert ('--processes 51 needs at least one review per process in each minibatch of 50'
            in capsys.readouterr().err)
    with pytest.raises(SystemExit):
        main([*TRAIN, '--processes', '0'])
    assert '--processes: must be a whole number, at least 1' in capsys.readouterr().err
    monkeypatch.setenv('WORLD_SIZE', 'two')
    assert main(TRAIN) == 1
    assert "WORLD_SIZE must be a whole number of processes, got 'two'" in \
        capsys.readouterr().err
