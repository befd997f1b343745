"""Which run an ablation is compared with, and the CPU a run names (d2lsent.results)."""
import dataclasses
import json
import re

import pytest

from d2lsent.__main__ import main
from d2lsent.config import Config
from d2lsent.results import (COLUMNS, changes, comparison_table, comparisons, cpu_kind,
                             markdown_table, settings)
from test_runs import error_line


def make_run(folder, name, accs=(0.80, 0.85), **changed):
    """A finished run folder: the default settings but ``changed``, one record per
    entry of ``accs`` (its validation accuracy; test 0.01 below it)."""
    run = folder / name
    run.mkdir()
    config = {'backend': 'torch', **dataclasses.asdict(Config()), 'keep_best_epoch': True,
              'machine': '2 x AMD EPYC (family 25 model 1, AVX2), Linux', **changed}
    (run / 'config.json').write_text(json.dumps(config))
    (run / 'metrics.json').write_text(json.dumps([
        dict(epoch=i + 1, train_loss=0.5, train_acc=0.9, valid_acc=a, test_acc=a - 0.01,
             examples_per_s=100, train_seconds=60, eval_seconds=10)
        for i, a in enumerate(accs)]))
    return run


def test_each_run_is_compared_link_by_link(tmp_path):
    base = make_run(tmp_path, 'base')
    tokens = make_run(tmp_path, 'tokens', tokenizer='book')
    dropout = make_run(tmp_path, 'tokens-dropout', (0.9, 0.88), tokenizer='book', dropout=0.3)
    mx_base = make_run(tmp_path, 'mx', backend='mxnet')
    mx_tokens = make_run(tmp_path, 'mx-tokens', backend='mxnet', tokenizer='book')
    rows = {run.name: (ref.name, changed) for run, ref, changed in
            comparisons([base, tokens, dropout, mx_base, mx_tokens], base)}
    assert 'base' not in rows  # the base is what the others are compared with
    assert rows['tokens'] == ('base', {'tokenizer': ('glove', 'book')})
    assert rows['tokens-dropout'] == ('tokens', {'dropout': (0.5, 0.3)})
    assert rows['mx'] == ('base', {'backend': ('torch', 'mxnet')})
    # Two runs differ from mx-tokens in one setting: its own backend's is preferred.
    assert rows['mx-tokens'] == ('mx', {'tokenizer': ('glove', 'book')})
    table = comparison_table([base, tokens, dropout], base).splitlines()
    assert table[0] == '| run | compared with | changed | valid acc | test acc | CPU |'
    # The epoch kept is the best on validation: 0.9 against 0.85.
    assert table[3] == '| tokens-dropout | tokens | dropout 0.5 → 0.3 | +0.050 | +0.050 | AMD AVX2 |'


def test_settings_that_older_runs_did_not_record_take_the_value_they_trained_with(tmp_path):
    old = {k: v for k, v in json.loads(
        (make_run(tmp_path, 'new') / 'config.json').read_text()).items()
        if k not in ('dropout', 'weight_decay', 'valid_split')}
    assert (settings(old)['dropout'], settings(old)['weight_decay'],
            settings(old)['valid_split']) == (0.0, 0.0, 'random')
    assert changes({**old, 'dropout': 0.3}, old) == {'dropout': (0.0, 0.3)}


@pytest.mark.parametrize('machine, kind', [
    ('2 x AMD EPYC (family 26 model 2, AVX-512), Linux, Python 3.11.7', 'AMD AVX-512'),
    ('2 x AMD EPYC (family 25 model 1, AVX2), Linux, Python 3.11.7', 'AMD AVX2'),
    ('2 x Intel(R) Xeon(R) Processor (family 6 model 207, AVX-512), Linux', 'Intel AVX-512'),
    ('2 x AMD EPYC, Linux, Python 3.11.7, 2026-11-29', 'not recorded')])
def test_cpu_kind(machine, kind):
    assert cpu_kind({'machine': machine}) == kind
    assert cpu_kind({}) == 'not recorded'


@pytest.mark.parametrize('key, value, shown', [
    ('test_acc', None, 'test_acc is missing'),
    ('valid_acc', '0.9', "valid_acc is '0.9', not a finite number"),
    ('train_loss', float('nan'), 'train_loss is nan, not a finite number'),
    ('examples_per_s', float('inf'), 'examples_per_s is inf, not a finite number')])
def test_metrics_that_train_could_not_have_written_are_refused(tmp_path, capsys, key, value,
                                                               shown):
    """A key left out, a string, NaN or Infinity (which Python's json writes and reads)
    in the second epoch's record."""
    path = make_run(tmp_path, 'run') / 'metrics.json'
    records = json.loads(path.read_text())
    if value is None:
        del records[1][key]
    else:
        records[1][key] = value
    path.write_text(json.dumps(records))
    assert main(['results', str(path.parent)]) == 1
    assert error_line(capsys) == (f'error: {path}, epoch 2: {shown}: the file is damaged; '
                                  f'train the run again.')


def test_each_run_is_one_row_whatever_its_names_hold(tmp_path):
    """A ``|`` or a newline in a folder's name or a setting: escaped, or a space."""
    runs = [make_run(tmp_path, 'a|b'),
            make_run(tmp_path, 'new\nline', embedding='my|vectors\n.txt')]
    table = markdown_table(runs).splitlines()
    assert len(table) == 2 + len(runs)
    for line in table:  # every line has a cell per column
        assert len(re.findall(r'(?<!\\)\|', line)) == len(COLUMNS) + 1, line
    assert table[2].startswith('| a\\|b | torch |')
    assert table[3].startswith('| new line | torch | fast | glove | my\\|vectors .txt '
                               'fine-tuned |')
