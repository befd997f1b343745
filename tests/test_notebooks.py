"""Each notebook's .ipynb matches its .py source and stores real, executed outputs.

nbval silently skips a code cell whose stored execution_count is null, so a
notebook converted but never executed would pass while checking nothing.
"""
import json
import re

import pytest

from conftest import ROOT

CHAPTERS = sorted((ROOT / 'notebooks').glob('[0-9]*.ipynb'))
SOLUTIONS = sorted((ROOT / 'notebooks' / 'solutions').glob('[0-9]*.ipynb'))
NOTEBOOKS = CHAPTERS + SOLUTIONS


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
