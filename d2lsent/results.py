"""Results tables: one row per run folder (``python -m d2lsent results runs/*``).

A row reads the folder's ``config.json`` (the settings) and ``metrics.json`` (per
epoch), both written by ``python -m d2lsent train``, so every number in a table
points to a run folder and the command that made it. The accuracies are those of
the epoch the run ended with: the last, or with ``keep_best_epoch`` the best on
validation.
"""
import dataclasses
import math
import pathlib

from . import machine
from .config import NAMES, recorded
from .files import read_json
from .runs import read_config, unfinished
from .text import printable
from .training import History

COLUMNS = ('run', 'backend', 'recipe', 'tokenizer', 'embedding', 'lr, regularisation',
           'epoch', 'valid acc', 'test acc', 'test acc, last epoch', 'training min',
           'examples/s', 'threads', 'CPU')
# What a run trained with: the backend and every Config field.
SETTINGS = ('backend', *NAMES)
# What metrics.json records per epoch (training.train_epochs).
METRICS = ('epoch', 'train_loss', 'train_acc', 'valid_acc', 'test_acc', 'examples_per_s',
           'train_seconds', 'eval_seconds')


def load_run(folder):
    """``(config, history)`` of a finished run folder; the history's selected epoch is the
    one the run ended with (the last, or with ``keep_best_epoch`` the best on validation),
    so ``history.summary()`` holds that epoch's exact metrics."""
    folder = pathlib.Path(folder)
    if not (folder / 'metrics.json').is_file():
        raise ValueError(f'{folder} is not a finished run folder: it has no metrics.json, '
                         f'which python -m d2lsent train writes last. {unfinished(folder)}')
    _, settings, config = read_config(folder)
    records = read_json(folder / 'metrics.json')
    check_records(records, folder / 'metrics.json')
    history = History(records)
    if settings.keep_best_epoch:
        history.selected_epoch = history.best_epoch()
    return config, history


def check_records(records, path):
    """Refuse metrics that ``train`` could not have written (a damaged or edited file):
    one record per epoch, each of finite numbers."""
    damaged = 'the file is damaged; train the run again.'
    if not isinstance(records, list) or not records:
        raise ValueError(f'{path} does not hold one record per epoch: {damaged}')
    for epoch, record in enumerate(records, 1):
        for key in METRICS:
            if not isinstance(record, dict) or key not in record:
                raise ValueError(f'{path}, epoch {epoch}: {key} is missing: {damaged}')
            value = record[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not math.isfinite(value):
                raise ValueError(f'{path}, epoch {epoch}: {key} is {value!r}, not a finite '
                                 f'number: {damaged}')


def read_run(folder):
    """One results row (a dict keyed by ``COLUMNS``, numbers rounded) from a run folder."""
    folder = pathlib.Path(folder)
    config, history = load_run(folder)
    summary, s = history.summary(), settings(config)
    embedding = 'random (Xavier)' if s['embedding_init'] == 'xavier' else s['embedding']
    embedding += ' frozen' if s['freeze_embedding'] else ' fine-tuned'
    regularisation = f"{s['lr']:g}"  # the learning rate, then any regularisation
    if s['lr_schedule'] != 'constant':
        regularisation += f" ({s['lr_schedule']})"
    if s['weight_decay']:
        regularisation += f", weight decay {s['weight_decay']:g}"
    if s['dropout']:
        regularisation += f", dropout {s['dropout']:g}"
    epoch = f"{summary['selected_epoch']}/{s['num_epochs']}"
    if s['keep_best_epoch']:
        epoch += ' (best valid, by movie)' if s['valid_split'] == 'movie' else ' (best valid)'
    return {'run': folder.name, 'backend': s['backend'], 'recipe': s['recipe'],
            'tokenizer': s['tokenizer'],
            'embedding': embedding, 'lr, regularisation': regularisation,
            'epoch': epoch, 'valid acc': f"{summary['valid_acc']:.3f}",
            'test acc': f"{summary['test_acc']:.3f}",
            'test acc, last epoch': f"{history['test_acc'][-1]:.3f}",
            'training min': f"{summary['train_seconds'] / 60:.1f}",
            'examples/s': f"{summary['examples_per_s']:.0f}",
            'threads': str(config.get('threads', '')), 'CPU': cpu_kind(config)}


def cpu_kind(config):
    """The kind of CPU a run's ``config.json`` names (``machine.cpu_kind``: maker and
    vector width; kinds with the same vectors differ in speed too), or 'not recorded'
    for runs older than that description."""
    return machine.cpu_kind(str(config.get('machine', ''))) or 'not recorded'


def settings(config):
    """``{setting: value}`` of a run's ``config.json`` (``SETTINGS``), as ``recorded``
    reads it."""
    return {'backend': config['backend'], **dataclasses.asdict(recorded(config))}


def changes(config, reference):
    """``{setting: (reference's value, config's value)}`` where two runs differ."""
    a, b = settings(reference), settings(config)
    return {k: (a[k], b[k]) for k in SETTINGS if a[k] != b[k]}


def comparisons(folders, base):
    """What each run of an ablation study changes: ``[(run, reference, changes)]``.

    A run is compared with the run that differs from it in the fewest settings among
    those closer to ``base`` (fewer changes from it), preferring one of its own backend,
    then the first in ``folders``; ``base`` itself is not compared. So a chain of runs,
    each adding one setting to the one before, is compared link by link."""
    return _comparisons({pathlib.Path(f): load_run(f) for f in folders}, base)


def _comparisons(runs, base):
    """``comparisons`` of ``runs``, ``{folder: load_run(folder)}``."""
    configs = {f: config for f, (config, _) in runs.items()}
    base_config = configs[pathlib.Path(base)]
    distance = {f: len(changes(c, base_config)) for f, c in configs.items()}
    rows = []
    for run, config in configs.items():
        closer = [f for f in configs if distance[f] < distance[run]]
        if not closer:
            continue
        reference = min(closer, key=lambda f: (len(changes(config, configs[f])),
                                               configs[f]['backend'] != config['backend']))
        rows.append((run, reference, changes(config, configs[reference])))
    return rows


def comparison_table(folders, base):
    """A Markdown table of ``comparisons``: each run against its reference, the settings
    that differ and the differences in validation and test accuracy."""
    lines = ['| run | compared with | changed | valid acc | test acc | CPU |',
             '| --- | --- | --- | ---: | ---: | --- |']
    runs = {pathlib.Path(f): load_run(f) for f in folders}
    for run, reference, changed in _comparisons(runs, base):
        (config, history), (ref_config, ref_history) = runs[run], runs[reference]
        new, old = history.summary(), ref_history.summary()
        what = ', '.join(f'{k} {_show(a)} → {_show(b)}' for k, (a, b) in changed.items())
        kinds = dict.fromkeys((cpu_kind(ref_config), cpu_kind(config)))  # one if alike
        lines.append(f"| {cell(run.name)} | {cell(reference.name)} | {cell(what)} "
                     f"| {new['valid_acc'] - old['valid_acc']:+.3f} "
                     f"| {new['test_acc'] - old['test_acc']:+.3f} | {' → '.join(kinds)} |")
    return '\n'.join(lines)


def markdown_table(folders):
    """A Markdown table with one row per run folder, in the order given."""
    rows = [read_run(f) for f in folders]
    lines = ['| ' + ' | '.join(COLUMNS) + ' |',
             '| ' + ' | '.join('---' if c in COLUMNS[:7] else '---:' for c in COLUMNS) + ' |']
    lines += ['| ' + ' | '.join(cell(row[c]) for c in COLUMNS) + ' |' for row in rows]
    return '\n'.join(lines)


def cell(value):
    """``value`` as one Markdown table cell: its ``|`` escaped, control characters (a
    newline would start a row of its own) as spaces."""
    return printable(str(value)).replace('|', '\\|')


def _show(value):
    return f'{value:g}' if isinstance(value, float) else str(value)
