"""Command line: ``python -m d2lsent {prepare,train,evaluate,predict,bench,results}``.

* ``prepare`` fetches and verifies IMDb, builds the vocabulary and the padded
  arrays, loads the GloVe vectors and reports what it prepared.
* ``train`` trains the BiRNN and writes a run folder (``d2lsent.runs``).
* ``evaluate`` reports the test accuracy of a checkpoint and writes an error
  analysis (``evaluation.json``, ``evaluation.png``) beside it.
* ``predict`` labels reviews given on the command line or in a file, with the
  pretrained model that ships with d2lsent or a run's checkpoint.
* ``bench`` times training minibatches of the book's and the fast recipe.
* ``results`` prints a Markdown table of finished run folders.

The options: ``d2lsent.cli``. A mistake a user can fix ends in one line that says what
to do, and a non-zero exit status (``D2LSENT_DEBUG=1`` shows the traceback).
"""
import dataclasses
import json
import os
import pathlib
import sys
import time

from . import backend as backends
from . import (checkpoint, cli, config, download, files, glove, imdb, launch, prediction,
               runs)
from . import text
from .text import printable

MAX_REVIEW_FILE_BYTES = 64 * 2**20  # predict --file: far more than any list of reviews


def prepare(args):
    print(f'cache folder: {download.cache_dir()}')
    data_dir = download.download_extract('aclImdb')
    print(f'IMDb reviews: {data_dir}')
    data = imdb.load_imdb(args.config.num_steps, tokenizer=args.config.tokenizer)
    for split in ('train', 'test'):
        labels = getattr(data, f'{split}_labels')
        lengths = getattr(data, f'{split}_lengths')
        features = getattr(data, f'{split}_features')
        print(f'{split}: {len(labels):,} reviews ({int(labels.sum()):,} positive), '
              f'features {features.shape} {features.dtype}, '
              f'real tokens {lengths.sum() / features.size:.1%} of positions')
    print(f"vocabulary: {len(data.vocab):,} tokens (min_freq={imdb.MIN_FREQ}); "
          f"padding id {data.vocab['<pad>']} (= '<unk>', as in the book)")
    embedding = glove.TokenEmbedding(args.config.embedding)
    print(f'word vectors: {embedding.name}, {len(embedding):,} tokens x {embedding.dim}')
    print(glove.coverage(data.vocab, embedding))
    if args.save_vectors:
        tokens = [t for tokenizer in text.TOKENIZERS
                  for t in imdb.load_imdb(tokenizer=tokenizer).vocab.idx_to_token]
        count = glove.save_vectors(embedding, tokens, args.save_vectors)
        print(f'wrote the vectors of {count:,} vocabulary tokens to {args.save_vectors}')


def train(args):
    if args.resume:
        if config.given_options(args) or args.preset or args.out or args.overwrite:
            raise ValueError(f'--resume {args.resume} continues the run with its own '
                             f'settings: give no other training option.')
        out, name, settings = runs.resumed_run(args.resume)  # checked and held
        args.run_folder = out  # Ctrl-C then says how to resume it
    else:
        name, settings = args.backend, args.config
        out = pathlib.Path(args.out or f'runs/{time.strftime("%Y%m%d-%H%M%S")}-{name}')
    backend = backends.load(name)  # before a new folder: a missing framework leaves none
    count = launch.num_processes(args.processes, backend)
    if count > 1:
        return launch.launch(backend, count, args.argv, _new_run(args, out), settings)
    rank, num_processes = backend.init_distributed()  # (0, 1) unless launched
    if rank == 0:  # the process that writes the run folder
        if not args.resume:
            _new_run(args, out)
        print(f'backend: {name}, run folder: {out}, processes: {num_processes}'
              + (' (resumed)' if args.resume else ''))
        print('configuration:', json.dumps(dataclasses.asdict(settings)))
        if not args.resume:
            runs.write_config(out, backend, args.preset or 'best', settings, num_processes)
    net, vocab, history = backend.fit(settings, state_file=out / runs.STATE_FILE,
                                      on_epoch_end=_print_epoch if rank == 0 else None)
    if rank == 0:  # every process has the same parameters and metrics: process 0 writes
        _finish(out, settings, backend, net, vocab, history)
    backend.leave_distributed()


def _new_run(args, out):
    """The new run's folder, checked and held before any work (``runs.new_run``)."""
    args.run_folder = runs.new_run(out, args.overwrite)
    return out


def _print_epoch(r):
    """One epoch's line, printed as soon as the epoch ends."""
    print(f"epoch {r['epoch']}: loss {r['train_loss']:.3f}, train acc {r['train_acc']:.3f}, "
          f"valid acc {r['valid_acc']:.3f}, test acc {r['test_acc']:.3f}, "
          f"{r['examples_per_s']:.1f} examples/s, "
          f"{r['train_seconds'] + r['eval_seconds']:.0f} s", flush=True)


def _files_only():
    """Figures go to files: the command line opens no window (matplotlib's Agg)."""
    import matplotlib
    matplotlib.use('Agg')


def _finish(out, settings, backend, net, vocab, history):
    """Evaluate the trained model, write the run's files and say what to do next."""
    _files_only()
    from . import evaluation
    predictions = [dict(text=review, expected=expected,
                        **dict(zip(('label', 'probability'),
                                   backend.predict_sentiment(net, vocab, review))))
                   for review, expected in prediction.EXAMPLE_REVIEWS]
    for p in predictions:
        print(f"{p['label']} ({p['probability']:.3f}): {p['text']}")
    report = evaluation.evaluate_test_set(backend, net, settings)
    runs.write_results(out, settings, backend, net, vocab, history, predictions, report)
    summary = history.summary()
    chosen = (f"epoch {summary['selected_epoch']}, the best on validation"
              if settings.keep_best_epoch else 'last epoch')
    print(f"test accuracy: {summary['test_acc']:.3f} ({chosen})")
    model = runs.quoted(out / 'model.npz')
    print(f'run folder: {out}\nnext: python -m d2lsent predict {model} "a review"'
          f'\n      python -m d2lsent evaluate {model} --backend {backend.NAME}')


def evaluate(args):
    _files_only()
    from . import evaluation
    # Before the evaluation: the place for its report.
    out = runs.writable_folder(args.out or pathlib.Path(args.checkpoint).parent,
                               'evaluation.json and evaluation.png')
    backend = backends.load(args.backend)
    net, vocab, settings = backend.load_model(args.checkpoint)
    settings = dataclasses.replace(settings, limit=args.limit)
    data = imdb.load_imdb(settings.num_steps, tokenizer=settings.tokenizer)
    checkpoint.check_vocab(vocab, data.vocab, args.checkpoint)
    report = evaluation.evaluate_test_set(backend, net, settings, data=data)
    paths = evaluation.write_report(report, out)
    print(f"test accuracy: {report['accuracy']:.3f} on {report['reviews']:,} reviews")
    for name, scores in report['per_class'].items():
        print(f"{name}: precision {scores['precision']:.3f}, recall {scores['recall']:.3f}, "
              f"F1 {scores['f1']:.3f}")
    print(f"expected calibration error: {report['expected_calibration_error']:.3f}")
    print('wrote', ', '.join(map(str, paths)))


def predict(args):
    texts = list(args.text)
    checkpoint_path = None
    if texts and (pathlib.Path(texts[0]).is_file()
                  or texts[0].endswith('.npz') and not texts[0].split()[1:]):
        checkpoint_path = _checkpoint(texts.pop(0))  # a path, or a mistyped one
    if args.file:
        texts += _read_reviews(args.file)
    if not texts or not all(t.strip() for t in texts):
        raise ValueError('Give a non-empty review as an argument or with --file.')
    backend = backends.load(args.backend)
    net, vocab, _ = (backend.load_model(checkpoint_path) if checkpoint_path
                     else backend.load_pretrained())
    for review in texts:
        label, prob = backend.predict_sentiment(net, vocab, review)
        shown = review if len(review) <= 70 else review[:69] + '…'
        print(json.dumps(dict(label=label, probability=round(prob, 4), review=shown))
              if args.json else f'{label}\t{prob:.3f}\t{printable(shown)}')


def _checkpoint(path):
    """``path``, if a file is there; else a ``FileNotFoundError`` that says what to give."""
    if not pathlib.Path(path).is_file():
        raise FileNotFoundError(f'No checkpoint at {path}: give the model.npz of a run '
                                f'folder (python -m d2lsent train writes one).')
    return path


def _read_reviews(path):
    """The non-empty lines of the UTF-8 text file ``path`` (a regular file, bounded)."""
    files.check_regular_file(path, MAX_REVIEW_FILE_BYTES, "--file")
    try:
        text = pathlib.Path(path).read_text(encoding='utf-8')
    except OSError as e:
        raise ValueError(f'Cannot read --file {path}: {e.strerror}.') from e
    except UnicodeDecodeError as e:
        raise ValueError(f'--file {path} is not UTF-8 text (byte {e.start}): save it as '
                         f'UTF-8.') from e
    return [line for line in text.splitlines() if line.strip()]


def bench(args):
    from . import bench
    recipes = args.recipes.split(',')
    unknown = sorted(set(recipes) - set(bench.RECIPES))
    if unknown:
        raise ValueError(f"Unknown recipe {', '.join(unknown)}: choose from "
                         f"{', '.join(bench.RECIPES)} (comma-separated).")
    flush = {'recipe': None, 'on': True, 'off': False}[args.flush_denormals]
    start = args.checkpoint and _checkpoint(args.checkpoint)
    results = bench.run(backends.load(args.backend), recipes, args.batches, args.config,
                        flush, start)
    bench.report(results, args.json)


def results(args):
    from .results import markdown_table
    print(markdown_table(args.runs))


COMMANDS = dict(prepare=prepare, train=train, evaluate=evaluate, predict=predict,
                bench=bench, results=results)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    # MXNet reads its number of threads when it is imported (without this: half the cores).
    os.environ.setdefault('OMP_NUM_THREADS', str(os.cpu_count()))
    parser = cli.parser(COMMANDS)
    args, extra = parser.parse_known_args(argv)
    if args.command == 'predict' and not any(a.startswith('-') for a in extra):
        args.text += extra  # reviews given after an option
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:  # the settings of every command that has Config's options, checked before any work
        args.config = config.from_options(args)
    except ValueError as e:
        parser.error(str(e))
    args.argv, args.run_folder = argv, None
    try:
        status = args.run(args) or 0
        sys.stdout.flush()  # here: a reader that has gone (| head) is caught below
        return status
    except (download.DataError, ValueError, FileNotFoundError,
            backends.FrameworkMissing) as e:  # what a user can fix
        if os.environ.get('D2LSENT_DEBUG'):
            raise
        print(f'error: {printable(str(e))}', file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        folder = args.run_folder
        resumable = folder and (folder / runs.STATE_FILE).is_file()
        print('interrupted' + (f': continue with python -m d2lsent train --resume '
                               f'{runs.quoted(folder)}' if resumable else ''), file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader stopped early (predict ... | head): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        if args.run_folder:
            runs.release(args.run_folder)


if __name__ == '__main__':
    sys.exit(main())
