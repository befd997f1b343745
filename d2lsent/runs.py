"""Run folders: what ``python -m d2lsent train`` writes, one run per folder.

A run folder holds ``config.json`` (the settings and the machine, written first),
``resume.npz`` while the run trains (what a killed run continues from), and at the end
``curves.png``, ``model.npz``, ``predictions.json``, ``evaluation.json``,
``evaluation.png`` and ``metrics.json``, written last: a folder without it is an
unfinished run. The training process holds a lock on the folder for the run's life, so
two runs never write one folder. ``--overwrite`` moves the old run's
files aside (``.replaced/``) and removes them only once the new run has finished, so a
folder never mixes two runs; nothing but these files is ever moved or removed.
"""
import contextlib
import dataclasses
import fcntl
import json
import os
import pathlib
import shlex

from . import machine
from .backend import NAMES
from .config import recorded
from .files import atomic_write, make_writable_folder, read_json
from .training import STATE_FILE

FILES = ('config.json', STATE_FILE, 'curves.png', 'model.npz', 'predictions.json',
         'evaluation.json', 'evaluation.png', 'metrics.json')  # what a run writes
REPLACED = '.replaced'
# Set by a launch for the processes it starts: the run folder it holds for them.
LAUNCHED = 'D2LSENT_LAUNCHED_RUN'
_held = {}  # folder -> the open folder that this process holds the lock of


def quoted(folder):
    """``folder`` as one word of a shell command (quoted where needed): for the commands
    that messages suggest."""
    return shlex.quote(str(folder))


def read_config(folder):
    """``(backend name, Config, the whole config.json)`` of a run folder: the one reader
    of a run's settings (those older runs did not record read as ``config.UNRECORDED``)."""
    path = pathlib.Path(folder) / 'config.json'
    saved = read_json(path)
    if not isinstance(saved, dict) or saved.get('backend') not in NAMES:
        raise ValueError(f'{path} is not the config.json of a run (it names no backend, '
                         f'{" or ".join(NAMES)}): give a folder that python -m d2lsent '
                         f'train wrote.')
    try:
        return saved['backend'], recorded(saved), saved
    except (ValueError, TypeError) as e:
        raise ValueError(f'{path} holds settings this version refuses: {e}') from e


def _launched(folder):
    """Whether another process holds ``folder`` for this one: the launch that started it
    (and prepared the folder), or, under a launcher such as ``torchrun``, process 0."""
    return (os.environ.get(LAUNCHED) == str(pathlib.Path(folder).resolve())
            or os.environ.get('RANK', '0') != '0')


def _lock(folder):
    """Hold ``folder`` until ``release`` (or this process ends), or a ``ValueError`` if
    another run holds it. (The lock is the folder's own: no file is left behind.)"""
    opened = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(opened, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(opened)
        raise ValueError(f'{folder} is in use by another training run: wait for it to end, '
                         f'or give another folder.') from None
    _held[pathlib.Path(folder).resolve()] = opened


def release(folder):
    """Let go of ``folder`` (once the run, or the launch of its processes, has ended)."""
    opened = _held.pop(pathlib.Path(folder).resolve(), None)
    if opened is not None:
        os.close(opened)


def new_run(out, overwrite=False):
    """The folder ``out`` made ready and held for a new run: a new or empty folder, or,
    with ``overwrite``, a run folder whose old run is moved aside (``REPLACED``) until
    the new one finishes. Anything else is a ``ValueError`` that says what to do, raised
    before any work."""
    out = writable_folder(out, 'the run')
    with _holding(out):
        found = {p.name for p in out.iterdir()}
        if _holds_only_run_files(out / REPLACED):  # an overwrite's: ours to replace
            found.discard(REPLACED)
        foreign = sorted(found - set(FILES))
        if foreign:
            raise ValueError(f"--out {out} holds files that a run does not write "
                             f"({', '.join(foreign[:5])}): give a new or empty folder.")
        if found and not overwrite:
            raise ValueError(f'--out {out} already holds a run: give another folder, add '
                             f'--overwrite to replace it, or continue it with --resume '
                             f'{quoted(out)}.')
        if found:
            _move_aside(out)
    return out


def writable_folder(out, what):
    """The folder ``--out out`` for ``what``, created if needed; a file in its place, or
    a folder that cannot be written, is a ``ValueError`` that says what to give."""
    out = pathlib.Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f'--out {out} is a file: give a folder for {what}.')
    try:
        return make_writable_folder(out)
    except OSError as e:
        raise ValueError(f'--out {out} cannot be written ({e.strerror}): give a writable '
                         f'folder.') from e


@contextlib.contextmanager
def _holding(folder):
    """Hold ``folder`` (unless the process that launched this one does), and let go of
    it again if the block finds it unfit for the run."""
    if not _launched(folder):
        _lock(folder)
    try:
        yield
    except BaseException:
        release(folder)
        raise


def _holds_only_run_files(folder):
    """Whether ``folder`` is a real folder holding nothing but run files (``FILES``)."""
    return (folder.is_dir() and not folder.is_symlink()
            and {p.name for p in folder.iterdir()} <= set(FILES))


def _remove_aside(out):
    """Remove ``out/REPLACED`` if it holds nothing but run files; anything else stays."""
    aside = out / REPLACED
    if _holds_only_run_files(aside):
        for name in FILES:
            (aside / name).unlink(missing_ok=True)
        aside.rmdir()


def _move_aside(out):
    """Move the run files of ``out`` into ``out/REPLACED`` (whose own earlier contents,
    an overwrite that never finished, go first)."""
    _remove_aside(out)
    aside = out / REPLACED
    aside.mkdir()
    for name in FILES:
        if (out / name).exists():
            os.replace(out / name, aside / name)


def resumed_run(folder):
    """``(folder, backend name, Config)`` of the unfinished run that ``--resume folder``
    continues, held by this process."""
    folder = pathlib.Path(folder)
    if not folder.is_dir():
        raise ValueError(f'--resume {folder}: there is no such folder.')
    with _holding(folder):
        if (folder / 'metrics.json').is_file():
            raise ValueError(f'--resume {folder}: that run has finished (metrics.json is '
                             f'there).')
        if not (folder / STATE_FILE).is_file():
            raise ValueError(f'--resume {folder}: there is no {STATE_FILE} to resume from '
                             f'(not a run folder, or killed before its first epoch ended): '
                             f'start it again with --out {quoted(folder)} --overwrite.')
        name, settings, _ = read_config(folder)
    return folder, name, settings


def unfinished(folder):
    """What to do with the unfinished run folder ``folder``, in a sentence."""
    if (folder / STATE_FILE).is_file():
        return f'Continue a killed run with --resume {quoted(folder)}.'
    aside = (f' (the run it was to replace is in {folder / REPLACED})'
             if (folder / REPLACED).is_dir() else '')
    return (f'A run killed before its first epoch ended cannot be resumed{aside}: start it '
            f'again with --out {quoted(folder)} --overwrite.')


def write_json(path, obj):
    with atomic_write(path) as f:
        f.write(json.dumps(obj, indent=1))


def write_config(out, backend, preset, settings, processes):
    """``config.json``: the backend, the preset, every setting and the machine."""
    write_json(out / 'config.json', dict(
        backend=backend.NAME, preset=preset, **dataclasses.asdict(settings),
        machine=machine.describe_machine(), devices=backend.describe_devices(),
        threads=backend.num_threads(), processes=processes))


def write_results(out, settings, backend, net, vocab, history, predictions, report):
    """The finished run's files, ``metrics.json`` last; then the old run an overwrite
    replaced, and ``resume.npz``, go. A file that cannot be written (a full disk) is a
    ``ValueError`` naming it; the trained weights stay in ``resume.npz``, from which
    ``--resume`` writes the files once there is room."""
    from . import evaluation, plot  # matplotlib: only where figures are drawn
    writers = {
        'curves.png': lambda path: plot.save_figure(plot.plot_history(history), path),
        'model.npz': lambda path: backend.save_model(net, vocab, settings, path),
        'predictions.json': lambda path: write_json(path, predictions),
        'evaluation.json': lambda path: evaluation.write_report(report, out),
        'metrics.json': lambda path: write_json(path, history.records)}
    for name, write in writers.items():
        try:
            write(out / name)
        except OSError as e:
            raise ValueError(
                f'Could not write {out / name} ({e.strerror}). The trained weights are in '
                f'{out / STATE_FILE}: make room, then write the run\'s files with python -m '
                f'd2lsent train --resume {quoted(out)}') from e
    _remove_aside(out)
    (out / STATE_FILE).unlink(missing_ok=True)  # a finished run needs no resuming
