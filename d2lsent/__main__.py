"""Command line: ``python -m d2lsent {prepare,train,evaluate,predict,bench,results}``.

* ``prepare`` fetches and verifies IMDb, builds the vocabulary and the padded
  arrays, loads the GloVe vectors and reports what it prepared.
* ``train`` trains the BiRNN and writes a run folder (configuration, metrics per
  epoch, curves, checkpoint, predictions for example reviews).
* ``evaluate`` reports the test accuracy of a checkpoint and writes an error
  analysis (``evaluation.json``, ``evaluation.png``) beside it.
* ``predict`` labels reviews given on the command line or in a file, with the
  pretrained model that ships with d2lsent or a run's checkpoint.
* ``bench`` times training minibatches of the book's and the fast recipe.
* ``results`` prints a Markdown table of finished run folders.
"""
import argparse
import dataclasses
import json
import os
import pathlib
import subprocess
import sys
import time

from . import backend as backends
from . import checkpoint, config, download, glove, imdb, machine, prediction, training
from .files import atomic_write, make_writable_folder, read_json


def prepare(args):
    print(f'cache folder: {download.cache_dir()}')
    data_dir = download.download_extract('aclImdb')
    print(f'IMDb reviews: {data_dir}')
    data = imdb.load_imdb(args.config.num_steps, args.min_freq,
                          tokenizer=args.config.tokenizer)
    for split in ('train', 'test'):
        labels = getattr(data, f'{split}_labels')
        lengths = getattr(data, f'{split}_lengths')
        features = getattr(data, f'{split}_features')
        print(f'{split}: {len(labels):,} reviews ({int(labels.sum()):,} positive), '
              f'features {features.shape} {features.dtype}, '
              f'real tokens {lengths.sum() / features.size:.1%} of positions')
    print(f"vocabulary: {len(data.vocab):,} tokens (min_freq={args.min_freq}); "
          f"padding id {data.vocab['<pad>']} (= '<unk>', as in the book)")
    embedding = glove.TokenEmbedding(args.config.embedding)
    print(f'word vectors: {embedding.name}, {len(embedding):,} tokens x {embedding.dim}')
    print(glove.coverage(data.vocab, embedding))


def _write_json(path, obj):
    with atomic_write(path) as f:
        f.write(json.dumps(obj, indent=1))


def _plotting():
    """Draw figures to files (no display); the modules that draw them."""
    import matplotlib
    matplotlib.use('Agg')
    from . import evaluation, plot
    return evaluation, plot


def _run_folder(args):
    """``(out, settings, backend name)`` of a training run, checked before any work: a
    new run folder (or ``--overwrite`` an old one), or the run that ``--resume`` continues
    with its own settings."""
    if args.resume:
        out = pathlib.Path(args.resume)
        if config.given_options(args) or args.preset or args.out or args.overwrite:
            raise ValueError(f'--resume {out} continues the run with its own settings: give '
                             f'no other training option.')
        if (out / 'metrics.json').is_file():
            raise ValueError(f'--resume {out}: that run has finished (metrics.json is there).')
        if not (out / training.STATE_FILE).is_file():
            raise ValueError(f'--resume {out}: there is no {training.STATE_FILE} to resume from '
                             f'(not a run folder, or killed before its first epoch ended): '
                             f'start it again with --out {out} --overwrite.')
        saved = read_json(out / 'config.json')
        return out, config.recorded(saved), saved['backend']
    out = pathlib.Path(args.out or f'runs/{time.strftime("%Y%m%d-%H%M%S")}-{args.backend}')
    if out.exists() and not out.is_dir():
        raise ValueError(f'--out {out} is a file: give a folder for the run.')
    if (out / 'config.json').exists() and not args.overwrite:
        raise ValueError(f'--out {out} already holds a run: give another folder, add '
                         f'--overwrite to replace it, or continue it with --resume {out}.')
    try:
        make_writable_folder(out)
    except OSError as e:
        raise ValueError(f'--out {out} cannot be written ({e.strerror}): give a writable '
                         f'folder.') from e
    for name in ('metrics.json', training.STATE_FILE):  # metrics.json first: not finished
        (out / name).unlink(missing_ok=True)
    return out, args.config, args.backend


def _print_epoch(r):
    """One epoch's line, printed as soon as the epoch ends."""
    print(f"epoch {r['epoch']}: loss {r['train_loss']:.3f}, train acc {r['train_acc']:.3f}, "
          f"valid acc {r['valid_acc']:.3f}, test acc {r['test_acc']:.3f}, "
          f"{r['examples_per_s']:.1f} examples/s, "
          f"{r['train_seconds'] + r['eval_seconds']:.0f} s", flush=True)


def _launch(args, argv):
    """Run this training command in ``args.processes`` processes, one thread each, under
    the framework's launcher (data-parallel; see docs/distributed.md); its exit status.

    On two CPU cores, two one-thread processes trained 1.3x (PyTorch) and 1.6x
    (MXNet) faster than one two-thread process, and share the cores with a
    notebook instead of spinning (BENCHMARKS.md). ``auto``: one per core without a
    GPU; with GPUs, one process (it trains on all of them).
    """
    count = args.processes
    if count == 'auto':
        on_gpus = 'cpu' not in str(backends.load(args.backend).try_all_gpus()[0])
        count = 1 if on_gpus else os.cpu_count()
    if count <= 1 or machine.launched_processes() > 1:
        return None
    if count > args.config.batch_size:
        raise ValueError(f'--processes {count} needs at least one review per process in '
                         f'each minibatch of {args.config.batch_size}: give fewer processes.')
    out, _, name = _run_folder(args)  # every process writes to the same folder
    at = argv.index('--processes') if '--processes' in argv else None  # its value follows
    command = [a for i, a in enumerate(argv)
               if not a.startswith('--processes') and (at is None or i != at + 1)]
    command += [] if args.resume or args.out else ['--out', str(out)]
    python = [sys.executable, '-m']
    launcher = (python + ['torch.distributed.run', '--standalone', '--nproc_per_node',
                          str(count), '-m', 'd2lsent'] if name == 'torch' else
                python + ['d2lsent.mxlaunch', '-n', str(count), '-s', '1', '--launcher',
                          'local'] + python + ['d2lsent'])
    print(f'launching {count} processes of one thread each: '
          f"{' '.join(launcher[2:] + command)}", flush=True)
    return subprocess.run(launcher + command,
                          env=dict(os.environ, OMP_NUM_THREADS='1')).returncode


def train(args):
    out, settings, name = _run_folder(args)
    backend = backends.load(name)
    rank, num_processes = backend.init_distributed()  # (0, 1) unless torchrun started several
    if rank == 0:
        print(f'backend: {name}, run folder: {out}, processes: {num_processes}'
              + (' (resumed)' if args.resume else ''))
        print('configuration:', json.dumps(dataclasses.asdict(settings)))
        if not args.resume:
            _write_json(out / 'config.json', dict(
                backend=name, preset=args.preset or 'best', **dataclasses.asdict(settings),
                machine=machine.describe_machine(), threads=backend.num_threads(),
                processes=num_processes))
    net, vocab, history = backend.fit(settings, state_file=out / training.STATE_FILE,
                                      on_epoch_end=_print_epoch if rank == 0 else None)
    if rank == 0:  # every process has the same parameters and metrics: process 0 writes
        _write_run(settings, backend, net, vocab, history, out)
    backend.leave_distributed()


def _write_run(config, backend, net, vocab, history, out):
    """Write the trained model and its evaluation to the run folder ``out``;
    ``metrics.json`` last, so that a folder without it is an unfinished run."""
    evaluation, plot = _plotting()
    fig = plot.plot_history(history)
    with atomic_write(out / 'curves.png', 'wb') as f:
        fig.savefig(f, format='png', dpi=100)
    plot.plt.close(fig)
    backend.save_model(net, vocab, config, out / 'model.npz')
    predictions = [dict(zip(('text', 'expected', 'label', 'probability'),
                            (review, expected,
                             *backend.predict_sentiment(net, vocab, review, config.tokenizer,
                                                        config.num_steps))))
                   for review, expected in prediction.EXAMPLE_REVIEWS]
    _write_json(out / 'predictions.json', predictions)
    for p in predictions:
        print(f"{p['label']} ({p['probability']:.3f}): {p['text']}")
    evaluation.write_report(evaluation.evaluate_test_set(backend, net, config), out)
    _write_json(out / 'metrics.json', history.records)
    (out / training.STATE_FILE).unlink(missing_ok=True)  # a finished run needs no resuming
    summary = history.summary()
    chosen = (f"epoch {summary['selected_epoch']}, the best on validation"
              if config.keep_best_epoch else 'last epoch')
    print(f"test accuracy: {summary['test_acc']:.3f} ({chosen})")
    print(f'run folder: {out}\nnext: python -m d2lsent predict {out}/model.npz "a review"'
          f'\n      python -m d2lsent evaluate {out}/model.npz --backend {backend.NAME}')


def evaluate(args):
    evaluation, _ = _plotting()
    backend = backends.load(args.backend)
    net, vocab, settings = backend.load_model(args.checkpoint)
    settings = dataclasses.replace(settings, limit=args.limit)
    data = imdb.load_imdb(settings.num_steps, tokenizer=settings.tokenizer)
    checkpoint.check_vocab(vocab, data.vocab, args.checkpoint)
    report = evaluation.evaluate_test_set(backend, net, settings)
    out = pathlib.Path(args.out or pathlib.Path(args.checkpoint).parent)
    paths = evaluation.write_report(report, out)
    print(f"test accuracy: {report['accuracy']:.3f} on {report['reviews']:,} reviews")
    for name, scores in report['per_class'].items():
        print(f"{name}: precision {scores['precision']:.3f}, recall {scores['recall']:.3f}, "
              f"F1 {scores['f1']:.3f}")
    print(f"expected calibration error: {report['expected_calibration_error']:.3f}")
    print('wrote', ', '.join(map(str, paths)))


def predict(args):
    texts = list(args.text)
    args.checkpoint = texts.pop(0) if texts and texts[0].endswith('.npz') else None
    if args.file:
        try:
            texts += [line for line in pathlib.Path(args.file).read_text().splitlines()
                      if line.strip()]
        except OSError as e:
            raise ValueError(f'Cannot read --file {args.file}: {e.strerror}.') from e
        except UnicodeDecodeError as e:
            raise ValueError(f'--file {args.file} is not UTF-8 text (byte {e.start}): save '
                             f'it as UTF-8.') from e
    if not texts or not all(t.strip() for t in texts):
        raise ValueError('Give a non-empty review as an argument or with --file.')
    backend = backends.load(args.backend)
    net, vocab, settings = (backend.load_model(args.checkpoint) if args.checkpoint
                            else backend.load_pretrained())
    for review in texts:
        label, prob = backend.predict_sentiment(net, vocab, review, settings.tokenizer,
                                                settings.num_steps)
        shown = review if len(review) <= 70 else review[:69] + '…'
        print(json.dumps(dict(label=label, probability=round(prob, 4), review=shown))
              if args.json else f'{label}\t{prob:.3f}\t{shown}')


def bench(args):
    from . import bench
    recipes = args.recipes.split(',')
    unknown = sorted(set(recipes) - set(bench.RECIPES))
    if unknown:
        raise ValueError(f"Unknown recipe {', '.join(unknown)}: choose from "
                         f"{', '.join(bench.RECIPES)} (comma-separated).")
    settings = args.config
    flush = {'recipe': None, 'on': True, 'off': False}[args.flush_denormals]
    if args.checkpoint and not pathlib.Path(args.checkpoint).is_file():
        raise ValueError(f'No checkpoint at {args.checkpoint}: give the model.npz of a '
                         f'run folder (python -m d2lsent train writes one).')
    results = bench.run(backends.load(args.backend), recipes, args.batches, settings, flush,
                        args.checkpoint)
    bench.report(results, args.json)


def results(args):
    from .results import markdown_table
    print(markdown_table(args.runs))


def _at_least(low):
    """An option's type: a whole number, at least ``low`` (for options not ``Config``'s)."""
    def whole_number(value):
        if not value.isdigit() or int(value) < low:
            raise argparse.ArgumentTypeError(f'must be a whole number, at least {low}, got '
                                             f'{value!r}')
        return int(value)
    return whole_number


def _processes(value):
    """``--processes``: ``auto`` or a whole number, at least 1."""
    return value if value == 'auto' else _at_least(1)(value)


def _parser():
    parser = argparse.ArgumentParser(
        prog='python -m d2lsent',
        description='IMDb sentiment classification with GloVe and a BiLSTM.')
    commands = parser.add_subparsers(dest='command', required=True)

    def command(name, run, help, description):
        p = commands.add_parser(name, help=help, description=description)
        p.set_defaults(run=run)
        return p

    def backend_option(p):
        p.add_argument('--backend', choices=backends.NAMES, default='torch',
                       help='deep learning framework (default: %(default)s)')

    p = command('prepare', prepare, 'fetch and verify IMDb and GloVe, build the vocabulary',
                'Fetch and verify IMDb (cache, then $D2LSENT_MIRROR, then the network), '
                'build the vocabulary and the padded arrays, load the word vectors and '
                'report their coverage.')
    p.add_argument('--min-freq', type=_at_least(1), default=5,
                   help='minimum count of a token in the vocabulary (default: %(default)s)')
    t = command('train', train, 'train the BiRNN and write a run folder',
                'Train the BiRNN (GloVe embedding, 2-layer bidirectional LSTM) and write '
                'config.json, metrics.json, curves.png, model.npz, predictions.json and '
                'the test evaluation (evaluation.json, evaluation.png) to the run folder. '
                'The settings start from a preset (best: the best recipe found; book: the '
                "book's settings); each option shows its value in both.")
    backend_option(t)
    t.add_argument('--out', help='run folder (default runs/DATE-TIME-BACKEND)')
    t.add_argument('--overwrite', action='store_true', help='replace the run in --out')
    t.add_argument('--resume', metavar='RUN',
                   help='continue the killed run in folder RUN from its last finished epoch')
    t.add_argument('--processes', type=_processes, default=1,
                   help='train in N processes of one thread each (data-parallel, under '
                        "the framework's launcher); auto: one per core without a GPU "
                        '(default: %(default)s)')
    config.add_options(t, presets=True)
    b = command('bench', bench, 'time training steps of each recipe',
                'Train fresh models on real IMDb minibatches, one recipe after the other '
                'in this process, and print examples/s, real tokens/s, padding, median '
                'step time, GFLOP/s and share of the peak, and peak memory per recipe, '
                "and each recipe's speed over the book's own code.")
    backend_option(b)
    b.add_argument('--recipe', dest='recipes', default='book-code,book,fast',
                   help="comma-separated recipes to time: book-code (the book's own code, "
                        'the reference), book, fast (default: %(default)s)')
    b.add_argument('--batches', type=_at_least(1), default=20,
                   help='timed minibatches per recipe, after one warm-up (default: %(default)s)')
    b.add_argument('--flush-denormals', choices=['recipe', 'on', 'off'], default='recipe',
                   help='flush denormal floats: as the recipe does (default: fast only), '
                        'or on/off for every recipe')
    b.add_argument('--checkpoint',
                   help='start from the weights of this model.npz (a trained model) '
                        'instead of a fresh GloVe-initialised one')
    b.add_argument('--json', action='store_true', help='one JSON line per recipe')
    config.add_options(p, names=('num_steps', 'embedding', 'tokenizer'))
    config.add_options(b, names=('num_steps', 'embedding'))
    e = command('evaluate', evaluate, 'test accuracy and error analysis of a checkpoint',
                'Report the accuracy of a saved model on the IMDb test reviews and write '
                'evaluation.json and evaluation.png (confusion matrix, precision, recall '
                'and F1 per class, accuracy by review length, calibration, the most '
                'confidently wrong reviews).')
    e.add_argument('checkpoint', help='model.npz of a run folder')
    e.add_argument('--limit', type=_at_least(0), default=0,
                   help='evaluate on this many test reviews, half of each class (default: '
                        '0, all)')
    e.add_argument('--out', help='folder for evaluation.json and evaluation.png '
                                 "(default: the checkpoint's folder)")
    backend_option(e)
    r = command('results', results, 'a Markdown table of finished runs',
                'Print one row per run folder: settings, the selected epoch, validation '
                'and test accuracy, training time and examples/s.')
    r.add_argument('runs', nargs='+', help='run folders written by train')
    p = command('predict', predict, 'label reviews with the pretrained model or a checkpoint',
                'Print label, probability and text for each review.')
    p.add_argument('text', nargs='*', metavar='[CHECKPOINT] REVIEW',
                   help='model.npz of a run folder (default: the pretrained model that '
                        'ships with d2lsent), then the reviews (quote each one)')
    p.add_argument('--file', help='a text file with one review per line')
    p.add_argument('--json', action='store_true', help='one JSON object per review')
    backend_option(p)
    return parser


def main(argv=None):
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == 'predict' and not any(a.startswith('-') for a in extra):
        args.text += extra  # reviews given after an option
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:  # the settings of every command that has Config's options, checked before any work
        args.config = config.from_options(args)
    except ValueError as e:
        parser.error(str(e))
    try:
        if args.command == 'train' and args.processes != 1:
            status = _launch(args, sys.argv[1:] if argv is None else list(argv))
            if status is not None:
                return status
        args.run(args)
    except (download.DataError, ValueError, FileNotFoundError) as e:  # what a user can fix
        if os.environ.get('D2LSENT_DEBUG'):
            raise
        print(f'error: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
