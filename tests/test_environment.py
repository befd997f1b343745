"""The pins in pyproject.toml, environment.yml and requirements.lock agree."""
import re
import tomllib

import yaml

from conftest import ROOT


def pins(lines):
    return {re.split('[=<>]', line)[0].lower(): line.lower() for line in lines
            if not line.startswith('-')}


def test_environment_yml_agrees_with_pyproject():
    project = tomllib.loads((ROOT / 'pyproject.toml').read_text())['project']
    env = yaml.safe_load((ROOT / 'environment.yml').read_text())
    conda = [d for d in env['dependencies'] if isinstance(d, str)]
    pip = next(d['pip'] for d in env['dependencies'] if isinstance(d, dict))
    assert 'python=3.11' in conda
    assert pins(pip) == pins(project['dependencies'])
    assert '-e .' in pip


def test_every_dependency_is_pinned_and_locked():
    project = tomllib.loads((ROOT / 'pyproject.toml').read_text())['project']
    lock = pins(line for line in (ROOT / 'requirements.lock').read_text().splitlines()
                if line and not line.startswith('#'))
    for name, spec in pins(project['dependencies']).items():
        assert '==' in spec, f'{spec} is not pinned'
        assert lock[name] == spec, f'requirements.lock has {lock[name]}, pyproject {spec}'
    assert lock['torch'] == 'torch==2.13.0'  # never the multi-GB CUDA build
