"""Training in several processes of one thread each (``train --processes N``), under the
framework's launcher (``Backend.launch_command``; docs/distributed.md)."""
import os
import shlex
import subprocess

from . import runs


def num_processes(requested, backend):
    """``--processes``: a number, or ``auto``: one per core on a machine without GPUs,
    and one with GPUs (it trains on all of them)."""
    if requested == 'auto':
        return 1 if backend.num_gpus() else os.cpu_count()
    return requested


def worker_args(argv, folder):
    """The training command's arguments for each process: ``argv`` without
    ``--processes``, and with ``--out`` the folder that the launch holds."""
    args, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == '--processes':
            skip = True  # its value follows
        elif not arg.startswith('--processes='):
            args.append(arg)
    has_folder = any(a in ('--out', '--resume') or a.startswith(('--out=', '--resume='))
                     for a in args)
    return args if has_folder else [*args, '--out', str(folder)]


def launch(backend, count, argv, folder, config):
    """Run the training command ``argv`` in ``count`` processes of one thread each
    (data-parallel); the folder they write, ``folder``, is held here until they end.
    Returns the launch's exit status."""
    if count > config.batch_size:
        raise ValueError(f'--processes {count} needs at least one review per process in '
                         f'each minibatch of {config.batch_size}: give fewer processes.')
    command = backend.launch_command(count, worker_args(argv, folder))
    print(f'launching {count} processes of one thread each: python '
          f'{shlex.join(command[1:])}', flush=True)  # quoted: a line to copy into a shell
    env = dict(os.environ, OMP_NUM_THREADS='1', **{runs.LAUNCHED: str(folder.resolve())})
    try:
        return subprocess.run(command, env=env).returncode
    finally:
        runs.release(folder)
