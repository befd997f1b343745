"""Command line: ``python -m d2lsent {prepare,train,evaluate,predict,bench,results}``.

* ``prepare`` fetches and verifies IMDb, builds the vocabulary and the padded
  arrays, loads the GloVe vectors and reports what it prepared.
* ``train`` trains the BiRNN and writes a run folder (configuration, metrics per
  epoch, curves, checkpoint, predictions for example reviews).
* ``evaluate`` reports the test accuracy of a checkpoint and writes an error
  analysis (``evaluation.json``, ``evaluation.png``) beside it.
* ``predict`` labels reviews given on the command line or in a file.
* ``bench`` times training minibatches of the book's and the fast recipe.
* ``results`` prints a Markdown table of finished run folders.
"""
import argparse
import dataclasses
import json
import pathlib
import sys
import time

from . import backend as backends
from . import checkpoint, config, download, glove, imdb, machine, prediction
from .files import atomic_write


def prepare(args):
    print(f'cache folder: {download.cache_dir()}')
    data_dir = download.download_extract('aclImdb')
    print(f'IMDb reviews: {data_dir}')
    data = imdb.load_imdb(args.config.num_steps, args.min_freq)
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


def train(args):
    settings = args.config
    backend = backends.load(args.backend)
    rank, num_processes = backend.init_distributed()  # (0, 1) unless torchrun started several
    out = pathlib.Path(args.out or f'runs/{time.strftime("%Y%m%d-%H%M%S")}-{args.backend}')
    if rank == 0:
        print(f'backend: {args.backend}, run folder: {out}, processes: {num_processes}')
        print('configuration:', json.dumps(dataclasses.asdict(settings)))
    net, vocab, history = backend.fit(settings)
    if rank == 0:  # every process has the same parameters and metrics: process 0 writes
        _write_run(settings, backend, net, vocab, history, out, num_processes)
    backend.leave_distributed()


def _write_run(config, backend, net, vocab, history, out, num_processes):
    """Print the training's results and write them to the run folder ``out``."""
    evaluation, plot = _plotting()
    for r in history.records:
        print(f"epoch {r['epoch']}: loss {r['train_loss']:.3f}, train acc "
              f"{r['train_acc']:.3f}, valid acc {r['valid_acc']:.3f}, test acc "
              f"{r['test_acc']:.3f}, {r['examples_per_s']:.1f} examples/s, "
              f"{r['train_seconds'] + r['eval_seconds']:.0f} s")
    _write_json(out / 'config.json', dict(backend=backend.NAME, **dataclasses.asdict(config),
                                          machine=machine.describe_machine(),
                                          threads=backend.num_threads(),
                                          processes=num_processes))
    _write_json(out / 'metrics.json', history.records)
    fig = plot.plot_history(history)
    with atomic_write(out / 'curves.png', 'wb') as f:
        fig.savefig(f, format='png', dpi=100)
    plot.plt.close(fig)
    backend.save_model(net, vocab, config, out / 'model.npz')
    predictions = [dict(zip(('text', 'expected', 'label', 'probability'),
                            (review, expected,
                             *backend.predict_sentiment(net, vocab, review, config.tokenizer))))
                   for review, expected in prediction.EXAMPLE_REVIEWS]
    _write_json(out / 'predictions.json', predictions)
    for p in predictions:
        print(f"{p['label']} ({p['probability']:.3f}): {p['text']}")
    evaluation.write_report(evaluation.evaluate_test_set(backend, net, config), out)
    summary = history.summary()
    chosen = (f"epoch {summary['selected_epoch']}, the best on validation"
              if config.keep_best_epoch else 'last epoch')
    print(f"test accuracy: {summary['test_acc']:.3f} ({chosen})")


def evaluate(args):
    evaluation, _ = _plotting()
    backend = backends.load(args.backend)
    net, vocab, settings = backend.load_model(args.checkpoint)
    settings = dataclasses.replace(settings, limit=args.config.limit)
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
    if args.file:
        try:
            texts += [line for line in pathlib.Path(args.file).read_text().splitlines()
                      if line.strip()]
        except OSError as e:
            raise ValueError(f'Cannot read --file {args.file}: {e.strerror}.') from e
    if not texts or not all(t.strip() for t in texts):
        raise ValueError('Give a non-empty review as an argument or with --file.')
    backend = backends.load(args.backend)
    net, vocab, settings = backend.load_model(args.checkpoint)
    for review in texts:
        label, prob = backend.predict_sentiment(net, vocab, review, settings.tokenizer)
        print(f'{label}\t{prob:.3f}\t{review}')


def bench(args):
    from . import bench
    recipes = args.recipes.split(',')
    unknown = sorted(set(recipes) - set(config.RECIPES))
    if unknown:
        raise ValueError(f"Unknown recipe {', '.join(unknown)}: choose from "
                         f"{', '.join(config.RECIPES)} (comma-separated).")
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


def _at_least_1(value):
    """An option's whole number, at least 1 (for options that are not ``Config``'s)."""
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f'must be a whole number, at least 1, got {value!r}')
    return int(value)


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
    p.add_argument('--min-freq', type=_at_least_1, default=5,
                   help='minimum count of a token in the vocabulary (default: %(default)s)')
    t = command('train', train, 'train the BiRNN and write a run folder',
                'Train the BiRNN (GloVe embedding, 2-layer bidirectional LSTM) and write '
                'config.json, metrics.json, curves.png, model.npz, predictions.json and '
                'the test evaluation (evaluation.json, evaluation.png) to the run folder.')
    backend_option(t)
    t.add_argument('--out', help='run folder (default runs/DATE-TIME-BACKEND)')
    config.add_options(t)
    b = command('bench', bench, 'time training steps of each recipe',
                'Train fresh models on real IMDb minibatches, one recipe after the other '
                'in this process, and print examples/s, real tokens/s, padding, median '
                'step time and peak memory per recipe, and the ratio fast/book.')
    backend_option(b)
    b.add_argument('--recipe', dest='recipes', default='book,fast',
                   help='comma-separated recipes to time (default book,fast)')
    b.add_argument('--batches', type=_at_least_1, default=20,
                   help='timed minibatches per recipe, after one warm-up (default: %(default)s)')
    b.add_argument('--flush-denormals', choices=['recipe', 'on', 'off'], default='recipe',
                   help='flush denormal floats: as the recipe does (default: fast only), '
                        'or on/off for every recipe')
    b.add_argument('--checkpoint',
                   help='start from the weights of this model.npz (a trained model) '
                        'instead of a fresh GloVe-initialised one')
    b.add_argument('--json', action='store_true', help='one JSON line per recipe')
    for p in (p, b):
        config.add_options(p, names=('num_steps', 'embedding'))
    e = command('evaluate', evaluate, 'test accuracy and error analysis of a checkpoint',
                'Report the accuracy of a saved model on the IMDb test reviews and write '
                'evaluation.json and evaluation.png (confusion matrix, precision, recall '
                'and F1 per class, accuracy by review length, calibration, the most '
                'confidently wrong reviews).')
    e.add_argument('checkpoint', help='model.npz of a run folder')
    config.add_options(e, names=('limit',))
    e.add_argument('--out', help='folder for evaluation.json and evaluation.png '
                                 "(default: the checkpoint's folder)")
    backend_option(e)
    r = command('results', results, 'a Markdown table of finished runs',
                'Print one row per run folder: settings, the selected epoch, validation '
                'and test accuracy, training time and examples/s.')
    r.add_argument('runs', nargs='+', help='run folders written by train')
    p = command('predict', predict, 'label reviews with a checkpoint',
                'Print label, probability and text for each review.')
    p.add_argument('checkpoint', help='model.npz of a run folder')
    p.add_argument('text', nargs='*', help='reviews (quote each one)')
    p.add_argument('--file', help='a text file with one review per line')
    backend_option(p)
    return parser


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    try:  # the settings of every command that has Config's options, checked before any work
        args.config = config.from_options(args)
    except ValueError as e:
        parser.error(str(e))
    try:
        args.run(args)
    except (download.DataError, ValueError, FileNotFoundError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
