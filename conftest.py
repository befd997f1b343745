"""pytest's settings for the notebooks, read for `pytest --nbval notebooks/` too.

Under pytest the notebooks run in smoke size (a small model, in minutes), unless the
environment says otherwise: `D2LSENT_SMOKE=0 pytest --nbval notebooks/` re-executes
them in full, as `make notebooks` does. Notebook 04 and its solutions need MXNet (the
`[mxnet]` extra): where it is missing, their cells are skipped, with the reason.
"""
import importlib.util
import os

import pytest

os.environ.setdefault('D2LSENT_SMOKE', '1')  # before nbval starts a kernel

MXNET_MISSING = ('needs MXNet 1.9.1 (the [mxnet] extra, Python 3.11): '
                 "pip install 'd2lsent[mxnet]'")


def pytest_collection_modifyitems(items):
    have_mxnet = importlib.util.find_spec('mxnet') is not None
    for item in items:
        if item.path.suffix == '.ipynb':
            item.add_marker(pytest.mark.notebook)
            if 'mxnet' in item.path.name:
                item.add_marker(pytest.mark.mxnet)
                if not have_mxnet:
                    item.add_marker(pytest.mark.skip(reason=MXNET_MISSING))
