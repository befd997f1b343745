"""Exact versions live in requirements.lock alone; the other files name packages and
take the lock's versions."""
import re
import tomllib

import yaml

import d2lsent
from conftest import ROOT


def name(requirement):
    return re.split('[=<>!~ ;]', requirement.strip())[0].lower().replace('_', '-')


def lock():
    return {name(line): line for line in (ROOT / 'requirements.lock').read_text().splitlines()
            if line and not line.startswith('#')}


def test_the_lock_pins_every_package_the_project_names():
    project = tomllib.loads((ROOT / 'pyproject.toml').read_text())['project']
    named = project['dependencies'] + sum(project['optional-dependencies'].values(), [])
    pins = lock()
    assert all('==' in line for line in pins.values())
    missing = [r for r in named if name(r) not in pins]
    assert not missing, f'requirements.lock does not pin {missing}'
    # Where pyproject.toml pins a version (torch: never the multi-GB CUDA build), the
    # lock has the same one.
    for requirement in named:
        if '==' in requirement:
            assert pins[name(requirement)] == requirement.split('#')[0].strip()
    assert pins['torch'] == 'torch==2.13.0'


def test_other_files_take_the_locks_versions():
    env = yaml.safe_load((ROOT / 'environment.yml').read_text())
    pip = next(d['pip'] for d in env['dependencies'] if isinstance(d, dict))
    assert 'python=3.11' in env['dependencies']
    assert pip == ['-c requirements.lock', '-e .[notebooks,test,book]']
    mx2 = [line for line in (ROOT / 'requirements-mx2.txt').read_text().splitlines()
           if line and not line.startswith('#')]
    assert [r for r in mx2 if '=' in r] == ['mxnet==2.0.0b1']  # the one version it changes
    assert all(name(r) in lock() for r in mx2)


def test_one_version_string():
    project = tomllib.loads((ROOT / 'pyproject.toml').read_text())
    assert project['project']['dynamic'] == ['version'] and 'version' not in project['project']
    assert project['tool']['setuptools']['dynamic']['version'] == {'attr': 'd2lsent.__version__'}
    assert re.fullmatch(r'\d+\.\d+\.\d+', d2lsent.__version__)
