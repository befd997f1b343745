"""The command line's options: ``python -m d2lsent COMMAND --help`` (commands:
``d2lsent.__main__``). Training settings come from ``config.Config``, one option per
field; the other options belong to one command each."""
import argparse

from . import backend as backends
from . import config


def at_least(low):
    """An option's type: a whole number, at least ``low`` (for options not ``Config``'s)."""
    def whole_number(value):
        if not value.isdigit() or int(value) < low:
            raise argparse.ArgumentTypeError(f'must be a whole number, at least {low}, got '
                                             f'{value!r}')
        return int(value)
    return whole_number


def processes(value):
    """``--processes``: ``auto`` or a whole number, at least 1."""
    return value if value == 'auto' else at_least(1)(value)


def parser(commands):
    """The parser of ``python -m d2lsent``; ``commands`` maps each command's name to the
    function that runs it (``args.run``)."""
    main = argparse.ArgumentParser(
        prog='python -m d2lsent',
        description='IMDb sentiment classification with GloVe and a BiLSTM.',
        epilog='Environment variables: ' + '; '.join(
            f'{name}: {help}' for name, help in config.ENVIRONMENT.items()) + '.')
    subparsers = main.add_subparsers(dest='command', required=True)

    def command(name, help, description):
        p = subparsers.add_parser(name, help=help, description=description)
        p.set_defaults(run=commands[name])
        return p

    def backend_option(p):
        p.add_argument('--backend', choices=backends.NAMES, default='torch',
                       help='deep learning framework (default: %(default)s)')

    p = command('prepare', 'fetch and verify IMDb and GloVe, build the vocabulary',
                'Fetch and verify IMDb (cache, then $D2LSENT_MIRROR, then the network), '
                'build the vocabulary and the padded arrays, load the word vectors and '
                'report their coverage.')
    config.add_options(p, names=('num_steps', 'embedding', 'tokenizer'))
    p.add_argument('--save-vectors', metavar='FILE',
                   help='also write the vectors of the training vocabularies (both '
                        'tokenizers) to FILE (.npz), which --embedding FILE reads where '
                        'the whole word-vector file cannot be installed (a GPU machine: '
                        'tools/gpu_check.sh)')

    t = command('train', 'train the BiRNN and write a run folder',
                'Train the BiRNN (GloVe embedding, 2-layer bidirectional LSTM) and write '
                'config.json, metrics.json, curves.png, model.npz, predictions.json and '
                'the test evaluation (evaluation.json, evaluation.png) to the run folder. '
                'The settings start from a preset (best: the best recipe found; book: the '
                "book's settings); each option shows its value in both.")
    backend_option(t)
    t.add_argument('--out', help='run folder: a new or empty folder (default '
                                 'runs/DATE-TIME-BACKEND)')
    t.add_argument('--overwrite', action='store_true',
                   help='replace the run in --out (the old one is removed once the new one '
                        'has finished)')
    t.add_argument('--resume', metavar='RUN',
                   help='continue the killed run in folder RUN from its last finished epoch')
    t.add_argument('--processes', type=processes, default=1,
                   help='train in N processes of one thread each (data-parallel, under '
                        "the framework's launcher); auto: one per core without a GPU "
                        '(default: %(default)s)')
    config.add_options(t, presets=True)

    b = command('bench', 'time training steps of each recipe',
                'Train fresh models on real IMDb minibatches, one recipe after the other '
                'in this process, and print examples/s, real tokens/s, padding, median '
                'step time, GFLOP/s and share of the peak, and peak memory per recipe, '
                "and each recipe's speed over the book's own code.")
    backend_option(b)
    b.add_argument('--recipe', dest='recipes', default='book-code,book,fast',
                   help="comma-separated recipes to time: book-code (the book's own code, "
                        'the reference; needs the [d2l] extra), book, fast (default: '
                        '%(default)s)')
    b.add_argument('--batches', type=at_least(1), default=20,
                   help='timed minibatches per recipe, after one warm-up (default: %(default)s)')
    b.add_argument('--flush-denormals', choices=['recipe', 'on', 'off'], default='recipe',
                   help='flush denormal floats: as the recipe does (default: fast only), '
                        'or on/off for every recipe')
    b.add_argument('--checkpoint',
                   help='start from the weights of this model.npz (a trained model) '
                        'instead of a fresh GloVe-initialised one')
    b.add_argument('--json', action='store_true', help='one JSON line per recipe')
    config.add_options(b, names=('num_steps', 'embedding'))

    e = command('evaluate', 'test accuracy and error analysis of a checkpoint',
                'Report the accuracy of a saved model on the IMDb test reviews and write '
                'evaluation.json and evaluation.png (confusion matrix, precision, recall '
                'and F1 per class, accuracy by review length, calibration, the most '
                'confidently wrong reviews).')
    e.add_argument('checkpoint', help='model.npz of a run folder')
    e.add_argument('--limit', type=at_least(0), default=0,
                   help='evaluate on this many test reviews, half of each class (default: '
                        '0, all)')
    e.add_argument('--out', help='folder for evaluation.json and evaluation.png '
                                 "(default: the checkpoint's folder)")
    backend_option(e)

    r = command('results', 'a Markdown table of finished runs',
                'Print one row per run folder: settings, the selected epoch, validation '
                'and test accuracy, training time and examples/s.')
    r.add_argument('runs', nargs='+', help='run folders written by train')

    p = command('predict', 'label reviews with the pretrained model or a checkpoint',
                'Print label, probability and text for each review. A first argument '
                'that names an existing file, or is one word ending in .npz, is the '
                'checkpoint.')
    p.add_argument('text', nargs='*', metavar='[CHECKPOINT] REVIEW',
                   help='model.npz of a run folder (default: the pretrained model that '
                        'ships with d2lsent), then the reviews (quote each one)')
    p.add_argument('--file', help='a text file with one review per line')
    p.add_argument('--json', action='store_true', help='one JSON object per review')
    backend_option(p)
    return main
