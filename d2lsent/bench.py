"""Benchmark: time real IMDb training minibatches of each recipe in one process.

``python -m d2lsent bench --backend torch --recipe book,fast --batches 20 --json``

Each recipe builds its own model (GloVe-initialised, seeded) and trains it on
``batches`` minibatches of the training reviews, after one warm-up step that
is not timed. The minibatches are spread evenly over one epoch's batches
ordered by width, so a few of them represent a whole epoch's mix of short and
long reviews (for the book recipe every batch is 500 steps wide anyway).
"""
import json
import resource
import statistics
import time

import numpy as np

from . import imdb
from .batching import Buckets, Minibatches
from .checkpoint import load
from .config import Config
from .glove import TokenEmbedding
from .machine import describe_machine


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
    step = backend.make_train_step(net, config, device)
    seconds = []
    with backend.flush_denormals(flush) as flushing:
        for batch in batches:
            inputs = batch if config.recipe == 'fast' else batch[:2]
            inputs = [backend.to_tensor(a) for a in inputs]
            start = time.perf_counter()
            float(step(*inputs)[0])  # reading the loss waits for the step to finish
            seconds.append(time.perf_counter() - start)
    return seconds, flushing


def peak_rss_mb():
    """The largest resident memory of this process so far (Linux: kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(backend, recipes, num_batches, config=None, flush_denormals=None, checkpoint=None):
    """One result dict per recipe; ``flush_denormals=None`` follows the recipe.

    With ``checkpoint`` each recipe starts from that model's weights.
    """
    config = config or Config()
    embedding = TokenEmbedding(config.embedding)
    results = []
    # The book's tokens and model (no dropout), as the book times; a checkpoint's tokens.
    tokenizer = load(checkpoint)[2].tokenizer if checkpoint else 'book'
    for recipe in recipes:
        c = Config(**{**config.__dict__, 'recipe': recipe, 'tokenizer': tokenizer,
                      'dropout': 0.0})
        batches = sample_batches(c, num_batches + 1)
        vocab = imdb.load_imdb(c.num_steps, tokenizer=tokenizer).vocab
        flush = recipe == 'fast' if flush_denormals is None else flush_denormals
        seconds, flush = time_train_steps(backend, vocab, embedding, c, batches, flush,
                                          checkpoint)
        seconds = seconds[1:]  # the first step warms up
        examples = sum(len(b[1]) for b in batches[1:])
        tokens = sum(int(b[2].sum()) for b in batches[1:])
        positions = sum(b[0].size for b in batches[1:])
        results.append(dict(
            backend=backend.NAME, recipe=recipe,
            flush_denormals=bool(flush), start=str(checkpoint or 'fresh model'),
            batches=num_batches, batch_size=c.batch_size,
            examples_per_s=round(examples / sum(seconds), 2),
            tokens_per_s=round(tokens / sum(seconds)),
            padding_fraction=round(1 - tokens / positions, 4),
            median_step_s=round(statistics.median(seconds), 4),
            peak_rss_mb=round(peak_rss_mb()), threads=backend.num_threads(),
            machine=describe_machine()))
    return results


def ratio(results, numerator='fast', denominator='book'):
    """``examples_per_s`` of one recipe over another's, when both ran."""
    by_recipe = {r['recipe']: r['examples_per_s'] for r in results}
    if numerator in by_recipe and denominator in by_recipe:
        return round(by_recipe[numerator] / by_recipe[denominator], 2)
    return None


def report(results, as_json):
    """Print the results: JSON lines, or a small table."""
    for r in results:
        if as_json:
            print(json.dumps(r))
        else:
            print(f"{r['backend']:6} {r['recipe']:5} {r['examples_per_s']:8.1f} examples/s "
                  f"{r['tokens_per_s']:8d} tokens/s  padding {r['padding_fraction']:.1%}  "
                  f"median step {r['median_step_s']:.3f} s  peak RSS {r['peak_rss_mb']} MB")
    speedup = ratio(results)
    if speedup is not None:
        print(json.dumps({'ratio_fast_over_book': speedup}) if as_json
              else f'fast / book: {speedup}x examples/s')
