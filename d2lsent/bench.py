"""Benchmark: time real IMDb training minibatches of each recipe in one process.

``python -m d2lsent bench --backend torch --recipe book-code,book,fast --batches 20 --json``

``book-code`` is the book's own code (``d2lsent.bookcode``: the d2l package's
data functions and training step, the section's model), the reference every
other row is compared with. Each recipe builds its own model (GloVe-initialised,
seeded) and trains it on ``batches`` minibatches of the training reviews, after
one warm-up step that is not timed. The minibatches are spread evenly over one
epoch's batches ordered by width, so a few of them represent a whole epoch's mix
of short and long reviews (for the book's recipe every batch is 500 steps wide
anyway; the book's code takes the first batches of its shuffled loader).
"""
import json
import resource
import statistics
import sys
import time

import numpy as np

from . import bookcode, download, imdb, machine
from .batching import Buckets, Minibatches
from .checkpoint import load
from .config import RECIPES as CONFIG_RECIPES, Config
from .glove import TokenEmbedding

BOOK_CODE = 'book-code'
RECIPES = (BOOK_CODE, *CONFIG_RECIPES)


def sample_batches(config, num_batches):
    """``num_batches`` training minibatches ``(X, y, lengths)`` of ``config.recipe``."""
    data = imdb.load_imdb(config.num_steps, tokenizer=config.tokenizer)
    arrays = (data.train_features, data.train_labels)
    if config.recipe == 'book':
        batches = Minibatches((*arrays, data.train_lengths), config.batch_size,
                              shuffle=True, seed=config.seed)
    else:
        batches = Buckets(arrays, data.train_lengths, config.batch_size,
                          shuffle=True, seed=config.seed)
    epoch = sorted(batches, key=lambda b: b[0].shape[1])
    picks = np.linspace(0, len(epoch) - 1, num_batches).round().astype(int)
    return [epoch[i] for i in picks]


def time_train_steps(backend, vocab, embedding, config, batches, flush, checkpoint=None):
    """Seconds of each training step on ``batches``, from a fresh or a saved model,
    and whether denormals were flushed."""
    device = backend.try_all_gpus()[0]
    if checkpoint:  # a trained model: its gradients may run into denormals
        net = backend.load_model(checkpoint, vocab, device)[0]
    else:
        net = backend.build_model(vocab, embedding, config, device)
    step = backend.TrainStep(net, config, device)
    seconds = []
    with backend.flush_denormals(flush) as flushing:
        for batch in batches:
            inputs = batch if config.recipe == 'fast' else batch[:2]
            inputs = [backend.to_tensor(a) for a in inputs]
            start = time.perf_counter()
            float(step(*inputs)[0])  # reading the loss waits for the step to finish
            seconds.append(time.perf_counter() - start)
    return seconds, flushing


def time_book_code(backend, embedding, num_batches):
    """Seconds of each training step of the book's own code, and its minibatches."""
    d2l, net, train_iter, loss, trainer, devices = bookcode.setup(
        backend.NAME, download.download_extract('aclImdb'), embedding)
    seconds, batches = [], []
    for X, y in train_iter:
        start = time.perf_counter()
        loss_sum = d2l.train_batch_ch13(net, X, y, loss, trainer, devices)[0]
        float(backend.to_numpy(loss_sum).sum())  # reading the loss waits for the step
        seconds.append(time.perf_counter() - start)
        batches.append((X, y))
        if len(batches) == num_batches:
            return seconds, batches


def flops_per_position(config, embed_size):
    """About how many floating-point operations training costs per position of a
    minibatch: the LSTM's products of inputs and hidden states with its weights
    (2 per multiply-add, 4 gates, both directions, every layer), backward twice
    the forward. The embedding and the decoder add less than 1%."""
    h = config.num_hiddens
    inputs = [embed_size] + [2 * h] * (config.num_layers - 1)
    return 3 * sum(2 * 2 * 4 * h * (i + h) for i in inputs)


def peak_rss_mb():
    """The largest resident memory of this process so far (Linux: kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(backend, recipes, num_batches, config=None, flush_denormals=None, checkpoint=None):
    """One result dict per recipe; ``flush_denormals=None`` follows the recipe.

    With ``checkpoint`` each recipe starts from that model's weights.
    """
    config = config or Config()
    unavailable = BOOK_CODE in recipes and bookcode.missing(backend.NAME)
    if unavailable:
        print(f'{BOOK_CODE} left out: {unavailable}', file=sys.stderr)
        recipes = [r for r in recipes if r != BOOK_CODE]
    embedding = TokenEmbedding(config.embedding)
    results = []
    peak = None if backend.num_gpus() else machine.peak_gflops()  # the CPU's: without GPUs
    # The book's tokens and model (no dropout), as the book times; a checkpoint's tokens.
    tokenizer = load(checkpoint)[2].tokenizer if checkpoint else 'book'
    for recipe in recipes:
        c = Config(**{**config.__dict__, 'recipe': recipe if recipe != BOOK_CODE else 'book',
                      'tokenizer': tokenizer, 'dropout': 0.0})
        if recipe == BOOK_CODE:  # the book's own: denormals as they are, no lengths
            with backend.flush_denormals(False) as flush:  # MXNet: this process's mode
                seconds, batches = time_book_code(backend, embedding, num_batches + 1)
            tokens = None
        else:
            batches = sample_batches(c, num_batches + 1)
            vocab = imdb.load_imdb(c.num_steps, tokenizer=tokenizer).vocab
            flush = recipe == 'fast' if flush_denormals is None else flush_denormals
            seconds, flush = time_train_steps(backend, vocab, embedding, c, batches, flush,
                                              checkpoint)
            tokens = sum(int(b[2].sum()) for b in batches[1:])
        seconds = seconds[1:]  # the first step warms up
        examples = sum(len(b[1]) for b in batches[1:])
        positions = sum(int(np.prod(b[0].shape)) for b in batches[1:])
        gflops = flops_per_position(c, embedding.dim) * positions / sum(seconds) / 1e9
        device_mb = backend.peak_memory_mb(backend.try_all_gpus()[0])  # so far, as the RSS
        results.append(dict(
            backend=backend.NAME, recipe=recipe,
            flush_denormals=bool(flush),
            start='fresh model' if recipe == BOOK_CODE or not checkpoint else str(checkpoint),
            batches=num_batches, batch_size=c.batch_size,
            examples_per_s=round(examples / sum(seconds), 2),
            tokens_per_s=tokens and round(tokens / sum(seconds)),
            padding_fraction=tokens and round(1 - tokens / positions, 4),
            median_step_s=round(statistics.median(seconds), 4),
            gflops=round(gflops, 1), peak_share=peak and round(gflops / peak, 3),
            peak_rss_mb=round(peak_rss_mb()), peak_device_mb=device_mb and round(device_mb),
            threads=backend.num_threads(), devices=backend.describe_devices(),
            machine=machine.describe_machine()))
    return results


def ratios(results):
    """``{'fast/book-code': 2.7, ...}``: each recipe's examples/s over the reference's,
    the book's own code (or, without it, the book's recipe)."""
    by_recipe = {r['recipe']: r['examples_per_s'] for r in results}
    reference = next((r for r in (BOOK_CODE, 'book') if r in by_recipe), None)
    return {f'{name}/{reference}': round(speed / by_recipe[reference], 2)
            for name, speed in by_recipe.items() if reference and name != reference}


def report(results, as_json):
    """Print the results: JSON lines, or a small table."""
    for r in results:
        if as_json:
            print(json.dumps(r))
            continue
        tokens = (f"{r['tokens_per_s']:8d} tokens/s  padding {r['padding_fraction']:.1%}"
                  if r['tokens_per_s'] else f"{'':35}")
        share = f" ({r['peak_share']:.0%} of peak)" if r['peak_share'] else ''
        print(f"{r['backend']:6} {r['recipe']:9} {r['examples_per_s']:8.1f} examples/s "
              f"{tokens}  median step {r['median_step_s']:.3f} s  "
              f"{r['gflops']:6.1f} GFLOP/s{share}  peak RSS {r['peak_rss_mb']} MB")
    speedups = ratios(results)
    if speedups:
        print(json.dumps(speedups) if as_json else
              '  '.join(f'{k}: {v}x' for k, v in speedups.items()))
