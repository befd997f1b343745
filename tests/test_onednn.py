import os

import pytest

from d2lsent import onednn


@pytest.fixture
def unset(monkeypatch):
    for name in onednn.NAMES:
        monkeypatch.delenv(name, raising=False)


def test_cache_is_capped_under_both_names(unset):
    onednn.cap_primitive_cache()
    assert [os.environ[name] for name in onednn.NAMES] == ['16', '16']


@pytest.mark.parametrize('name', onednn.NAMES)
def test_a_users_setting_is_kept(unset, monkeypatch, name):
    """Either name set by the user wins: the other is left unset, not given 16
    (oneDNN would read ONEDNN_... first and override the user's DNNL_...)."""
    monkeypatch.setenv(name, '1024')
    onednn.cap_primitive_cache(4)
    assert {n: os.environ.get(n) for n in onednn.NAMES} == \
        {n: '1024' if n == name else None for n in onednn.NAMES}
