"""Results tables: one row per run folder (``python -m d2lsent results runs/*``).

A row reads the folder's ``config.json`` (the settings) and ``metrics.json`` (per
epoch), both written by ``python -m d2lsent train``, so every number in a table
points to a run folder and the command that made it. The accuracies are those of
the epoch the run ended with: the last, or with ``keep_best_epoch`` the best on
validation.
"""
import pathlib

from .files import read_json
from .training import History

COLUMNS = ('run', 'backend', 'recipe', 'tokenizer', 'embedding', 'lr, regularisation',
           'epoch', 'valid acc', 'test acc', 'test acc, last epoch', 'training min',
           'examples/s', 'threads')


def load_run(folder):
    """``(config, history)`` of a finished run folder; the history's selected epoch is the
    one the run ended with (the last, or with ``keep_best_epoch`` the best on validation),
    so ``history.summary()`` holds that epoch's exact metrics."""
    folder = pathlib.Path(folder)
    if not (folder / 'metrics.json').is_file():
        raise ValueError(f'{folder} is not a finished run folder: it has no metrics.json, '
                         f'which python -m d2lsent train writes last (resume a killed run '
                         f'with --resume {folder}).')
    config, records = read_json(folder / 'config.json'), read_json(folder / 'metrics.json')
    if not isinstance(records, list) or not records or not isinstance(config, dict):
        raise ValueError(f'{folder}: config.json or metrics.json does not hold a run '
                         f'(metrics.json needs one record per epoch).')
    history = History(records)
    if config.get('keep_best_epoch'):
        history.selected_epoch = history.best_epoch()
    return config, history


def read_run(folder):
    """One results row (a dict keyed by ``COLUMNS``, numbers rounded) from a run folder."""
    folder = pathlib.Path(folder)
    config, history = load_run(folder)
    summary = history.summary()
    embedding = config['embedding']
    if config.get('embedding_init', 'glove') == 'xavier':
        embedding = 'random (Xavier)'
    embedding += ' frozen' if config['freeze_embedding'] else ' fine-tuned'
    settings = f"{config['lr']:g}"  # the learning rate, then any regularisation
    if config.get('weight_decay'):
        settings += f", weight decay {config['weight_decay']:g}"
    if config.get('dropout'):
        settings += f", dropout {config['dropout']:g}"
    epoch = f"{summary['selected_epoch']}/{config['num_epochs']}"
    if config.get('keep_best_epoch'):
        by_movie = config.get('valid_split') == 'movie'
        epoch += ' (best valid, by movie)' if by_movie else ' (best valid)'
    return {'run': folder.name, 'backend': config['backend'], 'recipe': config['recipe'],
            'tokenizer': config.get('tokenizer', 'book'),
            'embedding': embedding, 'lr, regularisation': settings,
            'epoch': epoch, 'valid acc': f"{summary['valid_acc']:.3f}",
            'test acc': f"{summary['test_acc']:.3f}",
            'test acc, last epoch': f"{history['test_acc'][-1]:.3f}",
            'training min': f"{summary['train_seconds'] / 60:.1f}",
            'examples/s': f"{summary['examples_per_s']:.0f}",
            'threads': str(config.get('threads', ''))}


def markdown_table(folders):
    """A Markdown table with one row per run folder, in the order given."""
    rows = [read_run(f) for f in folders]
    lines = ['| ' + ' | '.join(COLUMNS) + ' |',
             '| ' + ' | '.join('---' if c in COLUMNS[:7] else '---:' for c in COLUMNS) + ' |']
    lines += ['| ' + ' | '.join(row[c] for c in COLUMNS) + ' |' for row in rows]
    return '\n'.join(lines)
