"""Each notebook's .ipynb matches its .py source and stores real, executed outputs.

nbval silently skips a code cell whose stored execution_count is null, so a
notebook converted but never executed would pass while checking nothing.
"""
import json
import subprocess
import sys

import pytest

from conftest import ROOT

NOTEBOOKS = sorted((ROOT / 'notebooks').glob('[0-9]*.ipynb'))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 2
    assert sorted(p.stem for p in NOTEBOOKS) == \
        sorted(p.stem for p in (ROOT / 'notebooks').glob('[0-9]*.py'))


@pytest.mark.slow
@pytest.mark.parametrize('notebook', NOTEBOOKS, ids=lambda p: p.name)
def test_pair_is_in_sync(notebook):
    rendered = subprocess.run(
        [sys.executable, '-m', 'jupytext', '--to', 'py:percent', '--output', '-',
         str(notebook)], capture_output=True, text=True, check=True, cwd=ROOT).stdout
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
