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
import importlib
import json
import pathlib
import sys
import time

from . import checkpoint, download, glove, imdb, text, training
from .files import atomic_write

BACKENDS = ['torch', 'mxnet']


def _backend(name):
    """The backend module, imported on use (so `prepare` needs no framework)."""
    return importlib.import_module(f'd2lsent.{name}')


def prepare(args):
    print(f'cache folder: {download.cache_dir()}')
    data_dir = download.download_extract('aclImdb')
    print(f'IMDb reviews: {data_dir}')
    data = imdb.load_imdb(args.num_steps, args.min_freq)
    for split in ('train', 'test'):
        labels = getattr(data, f'{split}_labels')
        lengths = getattr(data, f'{split}_lengths')
        features = getattr(data, f'{split}_features')
        print(f'{split}: {len(labels):,} reviews ({int(labels.sum()):,} positive), '
              f'features {features.shape} {features.dtype}, '
              f'real tokens {lengths.sum() / features.size:.1%} of positions')
    print(f"vocabulary: {len(data.vocab):,} tokens (min_freq={args.min_freq}); "
          f"padding id {data.vocab['<pad>']} (= '<unk>', as in the book)")
    embedding = glove.TokenEmbedding(args.embedding)
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
    config = training.Config(
        embedding=args.embedding, num_hiddens=args.num_hiddens, num_layers=args.num_layers,
        batch_size=args.batch_size, num_steps=args.num_steps, num_epochs=args.epochs,
        lr=args.lr, freeze_embedding=args.freeze_embedding, valid_size=args.valid_size,
        valid_split=args.valid_split, seed=args.seed, limit=args.limit, recipe=args.recipe,
        keep_best_epoch=args.keep_best_epoch, tokenizer=args.tokenizer,
        embedding_init=args.embedding_init, weight_decay=args.weight_decay,
        dropout=args.dropout)
    backend = _backend(args.backend)
    rank, num_processes = backend.init_distributed()  # (0, 1) unless torchrun started several
    out = pathlib.Path(args.out or f'runs/{time.strftime("%Y%m%d-%H%M%S")}-{args.backend}')
    if rank == 0:
        print(f'backend: {args.backend}, run folder: {out}, processes: {num_processes}')
        print('configuration:', json.dumps(dataclasses.asdict(config)))
    net, vocab, history = backend.fit(config)
    if rank == 0:  # every process has the same parameters and metrics: process 0 writes
        _write_run(args, config, backend, net, vocab, history, out, num_processes)
    backend.leave_distributed()


def _write_run(args, config, backend, net, vocab, history, out, num_processes):
    """Print the training's results and write them to the run folder ``out``."""
    evaluation, plot = _plotting()
    for r in history.records:
        print(f"epoch {r['epoch']}: loss {r['train_loss']:.3f}, train acc "
              f"{r['train_acc']:.3f}, valid acc {r['valid_acc']:.3f}, test acc "
              f"{r['test_acc']:.3f}, {r['examples_per_s']:.1f} examples/s, "
              f"{r['train_seconds'] + r['eval_seconds']:.0f} s")
    _write_json(out / 'config.json', dict(backend=args.backend, **dataclasses.asdict(config),
                                          machine=training.describe_machine(),
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
                   for review, expected in training.EXAMPLE_REVIEWS]
    _write_json(out / 'predictions.json', predictions)
    for p in predictions:
        print(f"{p['label']} ({p['probability']:.3f}): {p['text']}")
    report = evaluation.evaluate_test_set(net, config, backend.to_tensor, backend.predict_proba)
    evaluation.write_report(report, out)
    summary = history.summary()
    chosen = (f"epoch {summary['selected_epoch']}, the best on validation"
              if config.keep_best_epoch else 'last epoch')
    print(f"test accuracy: {summary['test_acc']:.3f} ({chosen})")


def evaluate(args):
    evaluation, _ = _plotting()
    backend = _backend(args.backend)
    net, vocab, config = backend.load_model(args.checkpoint)
    config = dataclasses.replace(config, limit=args.limit)
    data = imdb.load_imdb(config.num_steps, tokenizer=config.tokenizer)
    checkpoint.check_vocab(vocab, data.vocab, args.checkpoint)
    report = evaluation.evaluate_test_set(net, config, backend.to_tensor, backend.predict_proba)
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
    backend = _backend(args.backend)
    net, vocab, config = backend.load_model(args.checkpoint)
    for review in texts:
        label, prob = backend.predict_sentiment(net, vocab, review, config.tokenizer)
        print(f'{label}\t{prob:.3f}\t{review}')


def bench(args):
    from . import bench
    recipes = args.recipe.split(',')
    unknown = sorted(set(recipes) - set(training.RECIPES))
    if unknown:
        raise ValueError(f"Unknown recipe {', '.join(unknown)}: choose from "
                         f"{', '.join(training.RECIPES)} (comma-separated).")
    config = training.Config(num_steps=args.num_steps, embedding=args.embedding)
    flush = {'recipe': None, 'on': True, 'off': False}[args.flush_denormals]
    if args.checkpoint and not pathlib.Path(args.checkpoint).is_file():
        raise ValueError(f'No checkpoint at {args.checkpoint}: give the model.npz of a '
                         f'run folder (python -m d2lsent train writes one).')
    results = bench.run(_backend(args.backend), recipes, args.batches, config, flush,
                        args.checkpoint)
    bench.report(results, args.json)


def results(args):
    from .results import markdown_table
    print(markdown_table(args.runs))


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
        p.add_argument('--backend', choices=BACKENDS, default='torch',
                       help='deep learning framework (default torch)')

    p = command('prepare', prepare, 'fetch and verify IMDb and GloVe, build the vocabulary',
                'Fetch and verify IMDb (cache, then $D2LSENT_MIRROR, then the network), '
                'build the vocabulary and the padded arrays, load the word vectors and '
                'report their coverage.')
    p.add_argument('--min-freq', type=int, default=5,
                   help='minimum count of a token in the vocabulary (default 5)')
    t = command('train', train, 'train the BiRNN and write a run folder',
                'Train the BiRNN (GloVe embedding, 2-layer bidirectional LSTM) and write '
                'config.json, metrics.json, curves.png, model.npz, predictions.json and '
                'the test evaluation (evaluation.json, evaluation.png) to the run folder.')
    backend_option(t)
    t.add_argument('--out', help='run folder (default runs/DATE-TIME-BACKEND)')
    t.add_argument('--epochs', type=int, default=5, help='epochs (default 5)')
    t.add_argument('--lr', type=float, default=0.01, help='Adam learning rate (default 0.01)')
    t.add_argument('--weight-decay', type=float, default=0.0,
                   help='L2 weight decay added to the gradients in Adam (default 0)')
    t.add_argument('--dropout', type=float, default=0.0,
                   help='dropout rate on the embeddings and between the LSTM layers '
                        '(default 0, as the book)')
    t.add_argument('--batch-size', type=int, default=64, help='minibatch size (default 64)')
    t.add_argument('--num-hiddens', type=int, default=100, help='LSTM units (default 100)')
    t.add_argument('--num-layers', type=int, default=2, help='LSTM layers (default 2)')
    t.add_argument('--freeze-embedding', action='store_true',
                   help="keep the GloVe vectors fixed (the book's choice); default: fine-tune")
    t.add_argument('--valid-size', type=int, default=2500,
                   help='training reviews held out for validation (default 2500)')
    t.add_argument('--valid-split', choices=training.VALID_SPLITS, default='random',
                   help='random (default): reviews drawn at random; movie: whole movies, '
                        'as the test set has movies of its own')
    t.add_argument('--seed', type=int, default=0, help='random seed (default 0)')
    t.add_argument('--recipe', choices=training.RECIPES, default='fast',
                   help="fast (default): length buckets, masked LSTM, denormals flushed; "
                        "book: every review padded to --num-steps, as in the book")
    t.add_argument('--tokenizer', choices=text.TOKENIZERS, default='book',
                   help="book (default): split on whitespace, as in the book; glove: "
                        "lower-case, drop <br />, split off punctuation, as GloVe's tokens")
    t.add_argument('--embedding-init', choices=training.EMBEDDING_INITS, default='glove',
                   help='start the embedding from the word vectors (glove, default) or '
                        'from random Xavier values (xavier; the vectors still set its width)')
    t.add_argument('--keep-best-epoch', action='store_true',
                   help='end with the parameters of the epoch with the best validation '
                        'accuracy (default: those of the last epoch)')
    t.add_argument('--limit', type=int, default=0,
                   help='use only this many training and test reviews, half of each '
                        'class (smoke runs; default 0 = all 25,000)')
    b = command('bench', bench, 'time training steps of each recipe',
                'Train fresh models on real IMDb minibatches, one recipe after the other '
                'in this process, and print examples/s, real tokens/s, padding, median '
                'step time and peak memory per recipe, and the ratio fast/book.')
    backend_option(b)
    b.add_argument('--recipe', default='book,fast',
                   help='comma-separated recipes to time (default book,fast)')
    b.add_argument('--batches', type=int, default=20,
                   help='timed minibatches per recipe, after one warm-up (default 20)')
    b.add_argument('--flush-denormals', choices=['recipe', 'on', 'off'], default='recipe',
                   help='flush denormal floats: as the recipe does (default: fast only), '
                        'or on/off for every recipe')
    b.add_argument('--checkpoint',
                   help='start from the weights of this model.npz (a trained model) '
                        'instead of a fresh GloVe-initialised one')
    b.add_argument('--json', action='store_true', help='one JSON line per recipe')
    for p in (p, t, b):
        p.add_argument('--num-steps', type=int, default=500,
                       help='tokens per review after truncation/padding (default 500)')
        p.add_argument('--embedding', default=glove.PACKAGED,
                       help=f'word vectors: {glove.PACKAGED} (offline, default), '
                            'glove.6b.50d, glove.6b.100d, or a GloVe .txt path')
    e = command('evaluate', evaluate, 'test accuracy and error analysis of a checkpoint',
                'Report the accuracy of a saved model on the IMDb test reviews and write '
                'evaluation.json and evaluation.png (confusion matrix, precision, recall '
                'and F1 per class, accuracy by review length, calibration, the most '
                'confidently wrong reviews).')
    e.add_argument('checkpoint', help='model.npz of a run folder')
    e.add_argument('--limit', type=int, default=0, help='evaluate on this many test reviews')
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
    for name in ('num_steps', 'min_freq', 'epochs', 'batch_size', 'batches'):
        if getattr(args, name, 1) < 1:
            parser.error(f'--{name.replace("_", "-")} must be at least 1, '
                         f'got {getattr(args, name)}')
    try:
        args.run(args)
    except (download.DataError, ValueError, FileNotFoundError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
