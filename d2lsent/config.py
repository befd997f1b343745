"""The settings of a training run: one ``Config`` field per setting, with its default,
its help text and its allowed values, from which the command line is derived.

``python -m d2lsent train --help`` lists the fields below; ``--num-epochs 3`` sets
``Config.num_epochs``. A value outside its range is refused when the ``Config`` is
made, with the setting's name, its option and the range.
"""
import argparse
import dataclasses

from . import glove, text

RECIPES = ('fast', 'book')
EMBEDDING_INITS = ('glove', 'xavier')
VALID_SPLITS = ('random', 'movie')
LR_SCHEDULES = ('constant', 'warmup-cosine')
# Named starting points for a run. best: the defaults below, the recipe that reached the
# highest validation accuracy (docs/results.md); book: what the book's code sets
# differently (d2l 1.0.3, "Sentiment Analysis: Using Recurrent Neural Networks"), except
# its 100-d vectors (the 50-d ones are those that work offline).
PRESETS = {
    'best': {},
    'book': dict(tokenizer='book', dropout=0.0, lr=0.01, lr_schedule='constant',
                 freeze_embedding=True, recipe='book', keep_best_epoch=False),
}

# The environment variables d2lsent reads, in one place (python -m d2lsent --help lists
# them): where things are and how the program reports, never what a run trains with.
ENVIRONMENT = {
    'D2LSENT_CACHE': 'the data cache folder (default ~/.cache/d2lsent)',
    'D2LSENT_MIRROR': 'a folder of archives with a SHA256SUMS manifest, looked at before the '
                      'network (docs/data.md)',
    'D2LSENT_DIST_TIMEOUT': 'seconds a process of a launch waits for the others (default 600)',
    'D2LSENT_DEBUG': 'set: errors show their traceback',
    'D2LSENT_SMOKE': 'the notebooks: 1 trains small models (the default under pytest), 0 '
                     'in full',
    'D2LSENT_SOURCE': "the notebooks' first cell: where it installs d2lsent from when the "
                      'kernel lacks it',
}

# The smallest --limit but 0: every split, validation (a fifth) too, holds two reviews or more.
MIN_LIMIT = 10

# Settings added after some runs and checkpoints were made: those trained with these
# values, which their config.json or checkpoint does not record.
UNRECORDED = dict(dropout=0.0, weight_decay=0.0, valid_split='random', tokenizer='book',
                  embedding_init='glove', lr_schedule='constant')


def setting(default, help, choices=None, low=None, high=None, above=False,
            below=False, aliases=()):
    """A ``Config`` field: ``default``, the ``help`` text of its option, and what it
    allows: one of ``choices``, or a number from ``low`` to ``high`` (strictly
    ``above`` low, strictly ``below`` high). ``aliases``: more option names."""
    return dataclasses.field(default=default, metadata=dict(
        help=help, choices=choices, low=low, high=high, above=above, below=below,
        aliases=aliases))


@dataclasses.dataclass
class Config:
    """Settings of one run. The defaults are the preset ``best``; ``preset('book')`` gives
    the book's settings. The sizes and the optimiser are the book's in both."""
    embedding: str = setting(
        glove.PACKAGED, f'word vectors: {glove.PACKAGED} (offline), glove.6b.50d, '
        'glove.6b.100d, or the path of a GloVe .txt file')
    num_hiddens: int = setting(100, 'LSTM units per direction and layer', low=1, high=4096)
    num_layers: int = setting(2, 'LSTM layers', low=1, high=16)
    batch_size: int = setting(64, 'minibatch size', low=1, high=65536)
    num_steps: int = setting(500, 'tokens per review after truncation (and padding; the '
                             'longest IMDb review has 2,470)', low=1, high=10_000)
    num_epochs: int = setting(5, 'epochs', low=1, high=10_000, aliases=('--epochs',))
    lr: float = setting(0.002, 'Adam learning rate (the highest, with a schedule)', low=0,
                        above=True)
    lr_schedule: str = setting(
        'constant', 'constant: lr throughout; warmup-cosine: rising linearly from 0 to lr '
        'over the first half epoch, then falling along a cosine to 0 at the end',
        LR_SCHEDULES)
    weight_decay: float = setting(0.0, 'L2 weight decay added to the gradients in Adam',
                                  low=0)
    dropout: float = setting(
        0.5, 'dropout rate on the embeddings and between the LSTM layers '
        '(0: the book\'s model)', low=0, high=1, below=True)
    freeze_embedding: bool = setting(
        False, "keep the word vectors fixed (the book's choice) instead of fine-tuning")
    embedding_init: str = setting(
        'glove', 'start the embedding from the word vectors (glove) or from random '
        'Xavier values (xavier; the vectors still set its width)', EMBEDDING_INITS)
    tokenizer: str = setting(
        'glove', "book: split on whitespace, as the book; glove: lower-case, drop <br />, "
        "split off punctuation and clitics, as GloVe's tokens", text.TOKENIZERS)
    recipe: str = setting(
        'fast', 'fast: length buckets, each batch padded to its longest review, a masked '
        'LSTM; book: every review padded to num_steps and Xavier on the LSTM\'s weights, as '
        'the book', RECIPES)
    valid_size: int = setting(2500, 'training reviews held out for validation (at most a '
                              'fifth of those used)', low=1, high=25_000)
    valid_split: str = setting(
        'random', 'random: reviews drawn at random; movie: whole movies, as the test set '
        'has movies of its own', VALID_SPLITS)
    keep_best_epoch: bool = setting(
        True, 'end with the parameters of the epoch with the best validation accuracy '
        '(never chosen by the test set) instead of the last epoch\'s')
    seed: int = setting(0, 'random seed (validation split, initial weights, minibatches)',
                        low=0, high=2**32 - 1)
    limit: int = setting(0, f'use only this many training and test reviews, half of each '
                            f'class (smoke runs, at least {MIN_LIMIT}; 0: all 25,000)', low=0,
                         high=25_000)

    def __post_init__(self):
        for field in dataclasses.fields(self):
            check(field, getattr(self, field.name))
        if 0 < self.limit < MIN_LIMIT:
            raise ValueError(f'limit (--limit) must be 0 (all reviews) or at least '
                             f'{MIN_LIMIT}, got {self.limit}.')

    def check_model_size(self, vocab_size, embed_size):
        """Refuse, before any memory is taken, a model of more than ``MAX_PARAMETERS``
        parameters (a ``ValueError`` that names the sizes)."""
        count = num_parameters(vocab_size, embed_size, self.num_hiddens, self.num_layers)
        if count > MAX_PARAMETERS:
            raise ValueError(
                f'A model of {vocab_size:,} tokens x {embed_size} dimensions, '
                f'{self.num_layers} layers of {self.num_hiddens} units has {count:,} '
                f'parameters, more than the {MAX_PARAMETERS:,} this project builds: give '
                f'smaller --num-hiddens or --num-layers (or a smaller vocabulary).')


MAX_PARAMETERS = 50_000_000  # 200 MB of float32; the book's model has 2.8 million


def num_parameters(vocab_size, embed_size, num_hiddens, num_layers):
    """Parameters of a ``BiRNN`` of these sizes: embedding, a bidirectional LSTM (per
    layer and direction four gates' input and hidden weights and two biases), decoder."""
    lstm = sum(2 * 4 * num_hiddens * (inputs + num_hiddens + 2)
               for inputs in [embed_size] + [2 * num_hiddens] * (num_layers - 1))
    return vocab_size * embed_size + lstm + 4 * num_hiddens * 2 + 2


NAMES = tuple(f.name for f in dataclasses.fields(Config))  # every setting's name


def preset(name='best', **settings):
    """The ``Config`` of preset ``name`` (``PRESETS``), with ``settings`` overriding its
    values: ``preset('book', num_epochs=10)``."""
    if name not in PRESETS:
        raise ValueError(f"Unknown preset {name!r}: use one of {', '.join(PRESETS)}.")
    return Config(**{**PRESETS[name], **settings})


def recorded(settings):
    """The ``Config`` of a run folder's ``config.json`` or a checkpoint's ``settings``,
    with ``UNRECORDED``'s values for settings older runs did not record; keys that are
    not settings (the backend, the machine) are left out."""
    return Config(**{**UNRECORDED, **{k: v for k, v in settings.items() if k in NAMES}})


def option(field):
    """The command-line option of a ``Config`` field: ``num_epochs`` -> ``--num-epochs``."""
    return '--' + field.name.replace('_', '-')


def check(field, value):
    """Raise a ``ValueError`` naming the setting and its range unless ``value`` is allowed."""
    m, where = field.metadata, f'{field.name} ({option(field)})'
    if m['choices'] and value not in m['choices']:
        raise ValueError(f"{where} must be one of {', '.join(m['choices'])}, got {value!r}.")
    if not isinstance(value, field.type) and not (field.type is float and
                                                   isinstance(value, int)):
        raise ValueError(f'{where} must be of type {field.type.__name__}, got {value!r}.')
    if field.type in (int, float):
        low, high = m['low'], m['high']
        too_low = low is not None and not (value > low if m['above'] else value >= low)
        too_high = high is not None and not (value < high if m['below'] else value <= high)
        if too_low or too_high:  # written with `not` so that NaN is refused too
            allowed = ' and '.join(
                [f"{'above' if m['above'] else 'at least'} {low}"] * (low is not None)
                + [f"{'below' if m['below'] else 'at most'} {high}"] * (high is not None))
            raise ValueError(f'{where} must be {allowed}, got {value!r}.')


def add_options(parser, names=None, presets=False):
    """Add one option per ``Config`` field (or per field in ``names``) to ``parser``
    (``argparse``), with the field's help and its value in each preset, and with
    ``presets`` a ``--preset`` option; ``from_options`` makes the ``Config``."""
    fields = [f for f in dataclasses.fields(Config) if names is None or f.name in names]
    parser.set_defaults(config_fields=tuple(f.name for f in fields), preset=None)
    if presets:
        parser.add_argument('--preset', choices=PRESETS, help='the settings to start from; '
                            'options given override them (default: best)')
    for field in fields:
        m = field.metadata
        values = {name: getattr(preset(name), field.name) for name in PRESETS}
        shown = (f'default: {field.default}' if len(set(values.values())) == 1 else
                 ', '.join(f'{name}: {value}' for name, value in values.items()))
        flags, help = [option(field), *m['aliases']], f"{m['help']} ({shown})"
        help = help.replace('%', '%%')  # argparse formats help with %
        if field.type is bool:  # default None: an option not given keeps the preset's value
            parser.add_argument(*flags, dest=field.name, default=None,
                                action=argparse.BooleanOptionalAction, help=help)
        else:
            parser.add_argument(*flags, dest=field.name, type=field.type, default=None,
                                choices=m['choices'], help=help,
                                metavar=None if m['choices'] else field.name.upper())


def given_options(args):
    """``{field name: value}`` of the ``Config`` options given on the command line."""
    return {name: getattr(args, name) for name in getattr(args, 'config_fields', ())
            if getattr(args, name) is not None}


def from_options(args):
    """The ``Config`` of the options that ``add_options`` added (an ``argparse`` namespace):
    the preset's values (``best`` unless ``--preset``), overridden by the options given."""
    return preset(getattr(args, 'preset', None) or 'best', **given_options(args))
