"""Each notebook's .ipynb matches its .py source and stores real, executed outputs.

nbval silently skips a code cell whose stored execution_count is null, so a
notebook converted but never executed would pass while checking nothing.
"""
import json
import os
import re
import subprocess
import venv

import numpy as np
import pytest

from conftest import ROOT

CHAPTERS = sorted((ROOT / 'notebooks').glob('[0-9]*.ipynb'))
SOLUTIONS = sorted((ROOT / 'notebooks' / 'solutions').glob('[0-9]*.ipynb'))
NOTEBOOKS = CHAPTERS + SOLUTIONS
PYTORCH_NOTEBOOKS = [nb for nb in NOTEBOOKS if 'mxnet' not in nb.name]
# The first code cell of every PyTorch notebook: on Colab (or any kernel without d2lsent)
# it installs the PyTorch chapter; elsewhere it does nothing (after the magic that shows
# figures in the cell that draws them, Python code: INSTALL_CODE).
INSTALL_CELL = """\
%matplotlib inline
# Install d2lsent where this kernel lacks it (on Colab, for example): the PyTorch chapter.
import importlib.util, os, subprocess, sys
if importlib.util.find_spec('d2lsent') is None:
    source = os.environ.get('D2LSENT_SOURCE', 'git+https://github.com/d2lsent/d2lsent')
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--quiet', source], check=True)"""
INSTALL_CODE = INSTALL_CELL.split('\n', 1)[1]


def test_there_are_notebooks():
    assert len(CHAPTERS) >= 2 and SOLUTIONS
    for folder in (ROOT / 'notebooks', ROOT / 'notebooks' / 'solutions'):
        assert sorted(p.stem for p in folder.glob('[0-9]*.ipynb')) == \
            sorted(p.stem for p in folder.glob('[0-9]*.py'))


@pytest.mark.parametrize('notebook', CHAPTERS, ids=lambda p: p.name)
def test_exercises_have_worked_solutions(notebook):
    """A chapter's exercises (at least three, numbered) link to a solutions notebook
    that exists. Chapters without exercises are still to be written (issue: chapter)."""
    source = notebook.with_suffix('.py').read_text()
    if '# ## Exercises' not in source:
        pytest.skip(f'{notebook.name} has no exercises yet')
    exercises = source.split('# ## Exercises', 1)[1]
    assert all(f'# {n}. ' in exercises for n in (1, 2, 3)), 'fewer than three exercises'
    solutions = ROOT / 'notebooks' / 'solutions' / f'{notebook.stem}_solutions.ipynb'
    assert f'solutions/{solutions.name}' in exercises and solutions.is_file()


@pytest.mark.parametrize('notebook', NOTEBOOKS, ids=lambda p: p.name)
def test_pair_is_in_sync(notebook):
    jupytext = pytest.importorskip('jupytext')  # as `jupytext --to py:percent` renders it
    rendered = jupytext.writes(jupytext.read(notebook), fmt='py:percent')
    assert rendered == notebook.with_suffix('.py').read_text(), (
        f'{notebook.name} differs from its .py: run `jupytext --sync` and re-execute')


@pytest.mark.parametrize('notebook', NOTEBOOKS, ids=lambda p: p.name)
def test_every_code_cell_was_executed(notebook):
    cells = json.loads(notebook.read_text())['cells']
    code = [c for c in cells if c['cell_type'] == 'code' and c['source']]
    assert code, f'{notebook.name} has no code cells'
    blank = [i for i, c in enumerate(code) if c.get('execution_count') is None]
    assert not blank, f'{notebook.name}: code cells {blank} were never executed'
    counts = [c['execution_count'] for c in code]
    assert counts == list(range(1, len(code) + 1)), 'not executed top to bottom in one run'


# What a stored output must not show: a path of the machine that ran it, a progress
# bar's carriage-return fragments (make notebooks renders them as a terminal would), an
# error.
ABSOLUTE_PATH = re.compile(r'(?<![\w.])/(root|home|work|tmp|Users)/')


@pytest.mark.parametrize('notebook', NOTEBOOKS, ids=lambda p: p.name)
def test_stored_outputs_are_clean(notebook):
    cells = json.loads(notebook.read_text())['cells']
    for i, cell in enumerate(cells):
        for output in cell.get('outputs', []):
            text = ''.join(output.get('text', '')) + ''.join(
                output.get('data', {}).get('text/plain', ''))
            where = f'{notebook.name}, cell {i}'
            assert output['output_type'] != 'error' and 'Traceback' not in text, where
            # A progress bar redraws with carriage returns (make notebooks turns bars off).
            assert '\r' not in text, f'{where}: progress-bar fragments'
            assert not ABSOLUTE_PATH.search(text), f'{where}: {ABSOLUTE_PATH.search(text)}'


@pytest.mark.parametrize('notebook', PYTORCH_NOTEBOOKS, ids=lambda p: p.name)
def test_each_pytorch_notebook_begins_by_installing_what_it_needs(notebook):
    cells = json.loads(notebook.read_text())['cells']
    first = next(c for c in cells if c['cell_type'] == 'code')
    assert ''.join(first['source']) == INSTALL_CELL
    assert 'mxnet' not in notebook.with_suffix('.py').read_text().lower().replace(
        '04_birnn_mxnet', '')  # the PyTorch chapter needs no MXNet


@pytest.mark.slow
@pytest.mark.skipif(int(np.__version__.split('.')[0]) < 2,
                    reason='the modern environment (numpy 2) runs it, as Colab would')
def test_the_install_cell_installs_the_pytorch_chapter(tmp_path):
    """The first cell in a fresh virtual environment, as on Colab where d2lsent is
    missing: it installs this checkout (``D2LSENT_SOURCE``; the repository's address
    cannot be reached here) at the modern lock's versions, and the chapter's command
    line then works there; MXNet's backend says what it needs."""
    venv.create(tmp_path / 'venv', with_pip=True)
    python = str(tmp_path / 'venv' / 'bin' / 'python')
    env = dict(os.environ, D2LSENT_SOURCE=str(ROOT),
               PIP_CONSTRAINT=str(ROOT / 'requirements-modern.lock'))
    subprocess.run([python, '-c', INSTALL_CODE], env=env, check=True, capture_output=True,
                   cwd=tmp_path)
    predicted = subprocess.run([python, '-m', 'd2lsent', 'predict', 'A quiet, moving film.'],
                               capture_output=True, text=True, cwd=tmp_path)
    assert predicted.returncode == 0 and predicted.stdout.startswith('positive\t')
    mxnet = subprocess.run([python, '-m', 'd2lsent', 'train', '--backend', 'mxnet'],
                           capture_output=True, text=True, cwd=tmp_path)
    assert mxnet.returncode == 1 and "pip install 'd2lsent[mxnet]'" in mxnet.stderr
    assert 'Traceback' not in mxnet.stderr and not (tmp_path / 'runs').exists()
    again = subprocess.run([python, '-c', INSTALL_CODE], capture_output=True, text=True)
    assert again.returncode == 0 and not again.stdout  # installed: the cell does nothing
