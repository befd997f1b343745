"""Run folders (d2lsent.runs): what train refuses to write into or resume from, the lock
that keeps two runs out of one folder, overwrites that never mix two runs, and a full
disk at the end of a run."""
import errno
import functools
import json
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys

import numpy as np
import pytest

from d2lsent import runs, training
from d2lsent.__main__ import main

# A tiny run: a few seconds of training.
TINY = ['--limit', '400', '--num-steps', '60', '--valid-size', '50']
# Far beyond what a refusal takes: only a hang reaches it.
TIMEOUT_S = 60


def error_line(capsys):
    """The one line that ``main`` printed on stderr for a refused command."""
    err = capsys.readouterr().err
    assert 'Traceback' not in err and len(err.splitlines()) == 1, err
    assert err.startswith('error: ')
    return err.strip()


def copy_run(folder, tmp_path):
    """A copy of the run folder ``folder``: ``tmp_path/run``."""
    return pathlib.Path(shutil.copytree(folder, tmp_path / 'run'))


@pytest.fixture(autouse=True)
def no_progress_bars(monkeypatch):
    """Training draws no progress bars: stderr holds what ``main`` prints alone."""
    monkeypatch.setattr(training, 'tqdm', functools.partial(training.tqdm, disable=True))


def stopped_run(out, backend='torch'):
    """A tiny run of two epochs in ``out``, stopped after the first (Ctrl-C):
    config.json and resume.npz, as a killed run leaves them."""
    save = training.save_state

    def save_then_stop(*args):
        save(*args)
        raise KeyboardInterrupt
    with pytest.MonkeyPatch.context() as m:
        m.setattr(training, 'save_state', save_then_stop)
        assert main(['train', *TINY, '--epochs', '2', '--backend', backend,
                     '--out', str(out)]) == 130
    assert sorted(p.name for p in out.iterdir()) == ['config.json', 'resume.npz']
    return out


@pytest.fixture(scope='module')
def unfinished_run(tmp_path_factory, imdb_data):
    return stopped_run(tmp_path_factory.mktemp('unfinished') / 'run')


class Marker:
    """Unpickling this creates the file ``path`` (what a malicious pickle could do)."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return open, (self.path, 'w')


def rewrite_state(path, change):
    """Write ``path`` (a resume.npz) again with ``change(arrays, meta)`` applied: it may
    change the arrays (a dict) and the metadata (the dict that ``meta`` holds)."""
    with np.load(path) as f:
        arrays = dict(f)
    meta = json.loads(str(arrays['meta']))
    change(arrays, meta)
    arrays['meta'] = np.array(json.dumps(meta))
    with open(path, 'wb') as f:
        np.savez(f, **arrays)


def pickled_step(marker):
    """A change for ``rewrite_state``: the random state becomes a pickled object."""
    def change(arrays, meta):
        arrays['step:random'] = np.array([Marker(marker)], dtype=object)
    return change


def other_backend(arrays, meta):
    meta['backend'] = 'mxnet'


def other_lr(arrays, meta):
    meta['config']['lr'] = 0.01


def other_shape(arrays, meta):
    arrays['param:decoder.weight'] = np.zeros((2, 3), np.float32)


def truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


@pytest.mark.parametrize('damage, reason', [
    ('pickle', r'its array step:random holds Python objects \(a pickle\), which d2lsent '
               r'never loads'),
    ('truncated', r'it is not a complete \.npz file \(BadZipFile'),
    ('text', r'it is not a complete \.npz file \(BadZipFile'),
    ('backend', r'it was written by the mxnet backend, the run uses torch'),
    ('settings', r'it was written with other settings \(lr 0\.01, the run 0\.002\)'),
    ('shape', r'its contents do not fit the model \(RuntimeError: .*size mismatch for '
              r'decoder\.weight: .*torch\.Size\(\[2, 3\]\)[^.]')])
def test_a_resume_file_that_does_not_fit_the_run_is_refused(unfinished_run, tmp_path,
                                                           capsys, damage, reason):
    """Nothing in a resume.npz runs code, and only the run that wrote it resumes from it:
    each refusal is one line that names the file, why, and how to start again."""
    run = copy_run(unfinished_run, tmp_path)
    state, marker = run / 'resume.npz', tmp_path / 'unpickled'
    {'pickle': lambda: rewrite_state(state, pickled_step(marker)),
     'truncated': lambda: truncate(state),
     'text': lambda: state.write_text('not an archive\n'),
     'backend': lambda: rewrite_state(state, other_backend),
     'settings': lambda: rewrite_state(state, other_lr),
     'shape': lambda: rewrite_state(state, other_shape)}[damage]()
    assert main(['train', '--resume', str(run)]) == 1
    err = error_line(capsys)
    assert err.startswith(f'error: {state} cannot resume this run: ')
    assert re.search(reason, err), err
    assert err.endswith(f'Start the run again with --out {run} --overwrite.')
    assert '  ' not in err and '.)' not in err  # one clean line, whatever the framework says
    assert not marker.exists()  # no pickle was loaded
    assert state.is_file() and not (run / 'metrics.json').exists()
    if damage == 'pickle':  # the file's pickle is live: loading it would run it
        with np.load(state, allow_pickle=True) as f:
            f['step:random']
        assert marker.exists()


@pytest.mark.mxnet
def test_a_pickle_in_an_mxnet_runs_state_runs_nothing(tmp_path, imdb_data, capsys):
    """MXNet's own trainer state was a pickle (``Trainer.load_states``): an MXNet run's
    resume.npz holds plain arrays too, and one with a pickle planted is refused."""
    run = stopped_run(tmp_path / 'run', 'mxnet')
    capsys.readouterr()
    state, marker = run / 'resume.npz', tmp_path / 'unpickled'
    with np.load(state) as f:
        assert all(f[name].dtype != object for name in f.files)
    rewrite_state(state, pickled_step(marker))
    assert main(['train', '--resume', str(run)]) == 1
    assert 'holds Python objects (a pickle), which d2lsent never loads' in error_line(capsys)
    assert not marker.exists()


def bad_config(folder, kind):
    """``folder/config.json`` as ``kind``: without a backend, a list, a FIFO, or with a
    setting of the wrong type."""
    path = folder / 'config.json'
    if kind == 'fifo':
        os.mkfifo(path)
    else:
        saved = {'no backend': {'lr': 0.002}, 'list': ['torch'],
                 'wrong type': {'backend': 'torch', 'num_hiddens': 'many'}}[kind]
        path.write_text(json.dumps(saved))
    return path


CONFIG_REASONS = {
    'no backend': 'is not the config.json of a run (it names no backend, torch or mxnet): '
                  'give a folder that python -m d2lsent train wrote.',
    'list': 'is not the config.json of a run (it names no backend, torch or mxnet): '
            'give a folder that python -m d2lsent train wrote.',
    'fifo': 'it is a FIFO (named pipe), not a regular file; give the path of a file.',
    'wrong type': 'holds settings this version refuses: num_hiddens (--num-hiddens) must be '
                  "of type int, got 'many'."}


@pytest.mark.parametrize('kind', CONFIG_REASONS)
def test_a_config_json_that_is_not_a_runs_is_refused(tmp_path, kind):
    """``train --resume`` and ``results`` in a fresh Python, stopped if they hang (a FIFO
    blocks whoever opens it to read)."""
    unfinished, finished = tmp_path / 'unfinished', tmp_path / 'finished'
    for folder, other in ((unfinished, 'resume.npz'), (finished, 'metrics.json')):
        folder.mkdir()
        (folder / other).write_text('')  # the file each command looks for first
        path = bad_config(folder, kind)
        command = ['train', '--resume'] if folder == unfinished else ['results']
        done = subprocess.run([sys.executable, '-m', 'd2lsent', *command, str(folder)],
                              capture_output=True, text=True, timeout=TIMEOUT_S)
        assert done.returncode == 1 and 'Traceback' not in done.stderr, done.stderr
        assert len(done.stderr.splitlines()) == 1, done.stderr
        assert str(path) in done.stderr and CONFIG_REASONS[kind] in done.stderr


HOLD = ('import sys, time\n'
        'from d2lsent import runs\n'
        'runs.new_run(sys.argv[1])\n'
        'print("held", flush=True)\n'
        'time.sleep(600)\n')


def test_a_folder_in_use_by_another_run_is_refused(tmp_path, capsys, monkeypatch):
    """A second ``train --out SAME`` (or ``--resume``, ``--overwrite``) while another
    process holds the folder: refused before any work; once it lets go, it is free."""
    monkeypatch.setattr('d2lsent.training.make_splits', lambda *a, **k: pytest.fail('worked'))
    out = tmp_path / 'run'
    with subprocess.Popen([sys.executable, '-c', HOLD, str(out)], stdout=subprocess.PIPE,
                          text=True) as holder:
        try:
            assert holder.stdout.readline() == 'held\n'
            for args in ([*TINY, '--out', str(out)], [*TINY, '--out', str(out), '--overwrite'],
                         ['--resume', str(out)]):
                assert main(['train', *args]) == 1, args
                assert error_line(capsys) == (
                    f'error: {out} is in use by another training run: wait for it to end, '
                    f'or give another folder.'), args
        finally:
            holder.kill()
    assert list(out.iterdir()) == []
    runs.release(runs.new_run(out))  # the lock went with its process


@pytest.fixture(scope='module')
def tiny_run(tmp_path_factory, imdb_data):
    """A finished tiny run of one epoch."""
    out = tmp_path_factory.mktemp('tiny') / 'run'
    assert main(['train', *TINY, '--epochs', '1', '--out', str(out)]) == 0
    return out


@pytest.fixture
def finished_run(tiny_run, tmp_path):
    """A copy of the finished tiny run."""
    return copy_run(tiny_run, tmp_path)


def test_an_interrupted_overwrite_leaves_the_old_run_aside(finished_run, capsys,
                                                          monkeypatch):
    """``--overwrite`` stopped before its first epoch ends: the folder holds the new
    run's config.json and nothing of the old run but in .replaced; a finished overwrite
    removes .replaced."""
    out, old = finished_run, sorted(p.name for p in finished_run.iterdir())
    model = (out / 'model.npz').read_bytes()

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt
    with monkeypatch.context() as m:  # Ctrl-C while the data are read
        m.setattr('d2lsent.training.make_splits', interrupt)
        assert main(['train', *TINY, '--epochs', '1', '--seed', '1', '--out', str(out),
                     '--overwrite']) == 130
    assert capsys.readouterr().err == 'interrupted\n'
    assert sorted(p.name for p in out.iterdir()) == ['.replaced', 'config.json']
    assert json.loads((out / 'config.json').read_text())['seed'] == 1  # the new run's
    assert sorted(p.name for p in (out / '.replaced').iterdir()) == old
    assert (out / '.replaced' / 'model.npz').read_bytes() == model
    assert main(['predict', str(out / 'model.npz'), 'a fine film']) == 1
    assert error_line(capsys).startswith(f'error: No checkpoint at {out / "model.npz"}: ')
    assert main(['results', str(out)]) == 1
    assert error_line(capsys).endswith(
        f'cannot be resumed (the run it was to replace is in {out / ".replaced"}): start it '
        f'again with --out {out} --overwrite.')

    assert main(['train', *TINY, '--epochs', '1', '--seed', '1', '--out', str(out),
                 '--overwrite']) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(set(runs.FILES) - {'resume.npz'})
    assert (out / 'model.npz').read_bytes() != model


@pytest.mark.parametrize('kind', ['folder', 'link'])
def test_a_replaced_folder_that_a_run_did_not_write_is_kept(finished_run, tmp_path, capsys,
                                                            monkeypatch, kind):
    """A .replaced that holds more than run files (or is a link) is the user's: --out
    refuses the folder, with or without --overwrite, and removes nothing."""
    monkeypatch.setattr('d2lsent.training.make_splits', lambda *a, **k: pytest.fail('worked'))
    aside, mine = finished_run / '.replaced', tmp_path / 'mine'
    mine.mkdir()
    if kind == 'folder':
        aside.mkdir()
        (aside / 'notes.txt').write_text('mine')
    else:
        aside.symlink_to(mine)
        (mine / 'model.npz').write_text('mine')  # a run file's name, in the user's folder
    for overwrite in ([], ['--overwrite']):
        assert main(['train', *TINY, '--out', str(finished_run), *overwrite]) == 1
        assert error_line(capsys) == (f'error: --out {finished_run} holds files that a run '
                                      f'does not write (.replaced): give a new or empty '
                                      f'folder.')
    assert sorted(p.name for p in aside.iterdir()) == ['model.npz' if kind == 'link'
                                                       else 'notes.txt']


@pytest.mark.parametrize('overwrite', [[], ['--overwrite']])
def test_a_folder_with_files_a_run_does_not_write_is_refused(finished_run, tmp_path,
                                                             capsys, monkeypatch, overwrite):
    """Nothing but a run's own files is ever moved or removed: a folder with another
    file is refused for --out, with or without --overwrite, and left as it was."""
    monkeypatch.setattr('d2lsent.training.make_splits', lambda *a, **k: pytest.fail('worked'))
    notes = tmp_path / 'notes'
    notes.mkdir()
    for out in (finished_run, notes):
        (out / 'notes.txt').write_text('mine')
        before = sorted(p.name for p in out.iterdir())
        assert main(['train', *TINY, '--out', str(out), *overwrite]) == 1
        assert error_line(capsys) == (f'error: --out {out} holds files that a run does not '
                                      f'write (notes.txt): give a new or empty folder.')
        assert sorted(p.name for p in out.iterdir()) == before
        assert (out / 'notes.txt').read_text() == 'mine'


def test_a_full_disk_at_the_end_keeps_the_weights_to_resume_from(tmp_path, imdb_data,
                                                                 capsys, monkeypatch):
    """model.npz cannot be written: one line that names it and where the weights are;
    ``--resume`` then writes the run's files. The commands it shows are quoted for a
    shell (the folder's name has a space and a ``$``)."""
    out = tmp_path / 'the run $(x)'

    def full(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    with monkeypatch.context() as m:
        m.setattr('d2lsent.torch.save_model', full)
        assert main(['train', *TINY, '--epochs', '1', '--out', str(out)]) == 1
    assert error_line(capsys) == (
        f"error: Could not write {out / 'model.npz'} (No space left on device). The trained "
        f"weights are in {out / 'resume.npz'}: make room, then write the run's files with "
        f"python -m d2lsent train --resume {shlex.quote(str(out))}")
    assert (out / 'resume.npz').is_file() and not (out / 'model.npz').exists()
    assert not (out / 'metrics.json').exists()
    assert main(['train', '--resume', str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(set(runs.FILES) - {'resume.npz'})
    assert len(json.loads((out / 'metrics.json').read_text())) == 1
    model = shlex.quote(str(out / 'model.npz'))
    assert capsys.readouterr().out.splitlines()[-2:] == [
        f'next: python -m d2lsent predict {model} "a review"',
        f'      python -m d2lsent evaluate {model} --backend torch']
