"""Exact versions live in the two lock files alone; pyproject.toml names packages and
ranges, and the other files take a lock's versions (README, "Environments")."""
import re
import tomllib

import yaml

import d2lsent
from conftest import ROOT

PROJECT = tomllib.loads((ROOT / 'pyproject.toml').read_text())['project']
# The extras each locked environment installs (Makefile: make env, make env-modern).
LOCKS = {'requirements-classic.lock': ('notebooks', 'test', 'book', 'mxnet', 'd2l'),
         'requirements-modern.lock': ('notebooks', 'test')}


def name(requirement):
    return re.split('[=<>!~ ;]', requirement.strip())[0].lower().replace('_', '-')


def pins(lock):
    return {name(line): line.split('==')[1] for line in (ROOT / lock).read_text().splitlines()
            if line and not line.startswith('#')}


def test_each_lock_pins_every_package_its_environment_names():
    for lock, extras in LOCKS.items():
        named = PROJECT['dependencies'] + sum((PROJECT['optional-dependencies'][e]
                                                for e in extras), [])
        versions = pins(lock)
        assert all(re.fullmatch(r'[\w.+!-]+', v) for v in versions.values()), lock
        missing = [r for r in named if name(r) not in versions]
        assert not missing, f'{lock} does not pin {missing}'
        assert versions['torch'] == '2.13.0', lock  # the local CPU build, never CUDA's


def test_the_two_environments_are_classic_and_modern():
    classic, modern = pins('requirements-classic.lock'), pins('requirements-modern.lock')
    assert classic['numpy'].startswith('1.23.') and classic['mxnet'] == '1.9.1'
    assert classic['d2l'] == '1.0.3'
    assert int(modern['numpy'].split('.')[0]) >= 2
    assert 'mxnet' not in modern and 'd2l' not in modern


def test_base_requirements_are_ranges_and_the_retired_framework_an_extra():
    """What learners install (Colab, Python 3.12+, numpy 2) has no upper bound that
    excludes today's releases; MXNet and the book's d2l resolve only on Python 3.11."""
    assert PROJECT['requires-python'] == '>=3.11'
    assert not [r for r in PROJECT['dependencies'] if '==' in r or '<' in r]
    assert not {'mxnet', 'd2l'} & {name(r) for r in PROJECT['dependencies']}
    for extra in ('mxnet', 'd2l'):
        for requirement in PROJECT['optional-dependencies'][extra]:
            assert requirement.endswith("; python_version < '3.12'"), requirement


def test_other_files_take_the_locks_versions():
    env = yaml.safe_load((ROOT / 'environment.yml').read_text())
    pip = next(d['pip'] for d in env['dependencies'] if isinstance(d, dict))
    assert 'python=3.11' in env['dependencies']
    assert pip == ['-c requirements-classic.lock',
                   f"-e .[{','.join(LOCKS['requirements-classic.lock'])}]"]
    mx2 = [line for line in (ROOT / 'requirements-mx2.txt').read_text().splitlines()
           if line and not line.startswith('#')]
    assert [r for r in mx2 if '=' in r] == ['mxnet==2.0.0b1']  # the one version it changes
    assert all(name(r) in pins('requirements-classic.lock') for r in mx2)


def test_one_version_string():
    project = tomllib.loads((ROOT / 'pyproject.toml').read_text())
    assert project['project']['dynamic'] == ['version'] and 'version' not in project['project']
    assert project['tool']['setuptools']['dynamic']['version'] == {'attr': 'd2lsent.__version__'}
    assert re.fullmatch(r'\d+\.\d+\.\d+', d2lsent.__version__)
