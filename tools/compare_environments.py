"""Do two environments compute the same numbers? (README, "Two locked environments")

    python tools/compare_environments.py record OUT NAME   # once in each environment
    python tools/compare_environments.py compare OUT       # any environment

``record`` writes, for each backend the environment has: the shipped model's
probabilities on the first test reviews (``OUT/NAME-shipped-BACKEND.npy``); with PyTorch,
a seeded smoke run (``OUT/NAME-run``, unless it exists); and, for every smoke run in
``OUT`` (its own and the other environments'), that checkpoint's probabilities read here
(``OUT/NAME-reads-RUN.npy``). Record in each environment, then once more in the first,
so that each reads the other's checkpoint. ``compare`` prints the largest differences.
"""
import dataclasses
import itertools
import json
import pathlib
import sys

import numpy as np

from d2lsent import backend, checkpoint, evaluation, pretrained
from d2lsent.__main__ import main as d2lsent_main

REVIEWS = 500  # test reviews compared, half of each class
SMOKE = ['--limit', '2000', '--num-steps', '100', '--epochs', '2', '--seed', '0']


def probabilities(be, net, config):
    return evaluation.test_probabilities(be, net, dataclasses.replace(config, limit=REVIEWS))[0]


def record(out, name):
    out.mkdir(parents=True, exist_ok=True)
    for backend_name in ('torch', 'mxnet'):
        try:
            be = backend.load(backend_name)
        except backend.FrameworkMissing as missing:
            print(f'{name}: no {backend_name} ({missing})')
            continue
        net, _, config = pretrained.load_pretrained(be)
        np.save(out / f'{name}-shipped-{backend_name}.npy', probabilities(be, net, config))
        if backend_name != 'torch':
            continue
        if not (out / f'{name}-run').exists():
            d2lsent_main(['train', *SMOKE, '--out', str(out / f'{name}-run')])
        for run in sorted(out.glob('*-run')):
            net, _, config = checkpoint.load_model(be, run / 'model.npz')
            np.save(out / f'{name}-reads-{run.name}.npy', probabilities(be, net, config))


def differences(files):
    """``[(largest difference, name, name)]`` of every two of the arrays in ``files``."""
    arrays = [np.load(f) for f in files]
    pairs = itertools.combinations(zip(files, arrays), 2)
    return [(float(np.abs(a - b).max()), f.stem, g.stem) for (f, a), (g, b) in pairs]


def compare(out):
    print(f'the shipped model on {REVIEWS} test reviews, largest difference of the '
          f'probabilities:')
    for difference, one, other in differences(sorted(out.glob('*-shipped-*.npy'))):
        print(f'  {one} and {other}: {difference:.2g}')
    runs = sorted(out.glob('*-run'))
    metrics = [json.loads((run / 'metrics.json').read_text()) for run in runs]
    for key in ('train_loss', 'train_acc', 'valid_acc', 'test_acc'):
        values = np.array([[epoch[key] for epoch in m] for m in metrics])
        print(f'smoke runs {[r.name for r in runs]}, {key} per epoch: {values.tolist()}; '
              f'largest difference {float(np.ptp(values, axis=0).max()):.3g}')
    for run in runs:
        for difference, one, other in differences(sorted(out.glob(f'*-reads-{run.name}.npy'))):
            print(f'{run.name}/model.npz read as {one} and {other}: largest difference '
                  f'{difference:.2g}')


if __name__ == '__main__':
    command, out, *name = sys.argv[1:]
    record(pathlib.Path(out), *name) if command == 'record' else compare(pathlib.Path(out))
