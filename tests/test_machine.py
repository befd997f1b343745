import os
import time

import pytest

from d2lsent import machine


def test_describe_machine_names_cpus_and_date():
    text = machine.describe_machine()
    assert text.startswith(f'{os.cpu_count()} x ') and time.strftime('%Y-%m-%d') in text
    if os.path.exists('/proc/cpuinfo'):  # Linux: which generation, which vector units
        assert ' (family ' in text and 'AVX' in text


def test_launched_processes(monkeypatch):
    monkeypatch.delenv('WORLD_SIZE', raising=False)
    assert machine.launched_processes() == 1
    monkeypatch.setenv('WORLD_SIZE', '2')
    assert machine.launched_processes() == 2
    monkeypatch.setenv('WORLD_SIZE', 'two')
    with pytest.raises(ValueError, match="WORLD_SIZE must be a whole number of processes, "
                                         "got 'two'"):
        machine.launched_processes()
