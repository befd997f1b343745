import numpy as np
import pytest

from d2lsent import lstm_layout as layout


def test_lstm_names_follow_mxnets_fused_order():
    assert layout.lstm_names(1) == [
        'encoder.weight_ih_l0', 'encoder.weight_hh_l0', 'encoder.weight_ih_l0_reverse',
        'encoder.weight_hh_l0_reverse', 'encoder.bias_ih_l0', 'encoder.bias_hh_l0',
        'encoder.bias_ih_l0_reverse', 'encoder.bias_hh_l0_reverse']
    assert len(layout.lstm_names(2)) == 16


def test_shapes_and_gluon1_names():
    shapes = layout.lstm_shapes(50, 100, 2)
    assert shapes['encoder.weight_ih_l0'] == (400, 50)
    assert shapes['encoder.weight_ih_l1_reverse'] == (400, 200)
    assert shapes['encoder.weight_hh_l1'] == (400, 100)
    assert shapes['encoder.bias_hh_l1_reverse'] == (400,)
    assert layout.gluon1_name('encoder.weight_ih_l0_reverse') == 'encoder.r0_i2h_weight'
    assert layout.gluon1_name('bias_hh_l1') == 'l1_h2h_bias'


def test_pack_and_unpack_round_trip():
    shapes = layout.lstm_shapes(3, 2, 2)
    rng = np.random.default_rng(0)
    params = {n: rng.normal(size=s) for n, s in shapes.items()}
    flat = layout.pack(params, list(shapes))
    assert flat.shape == (sum(v.size for v in params.values()),)
    back = layout.unpack(flat, shapes)
    assert all((back[n] == params[n]).all() for n in shapes)
    with pytest.raises(ValueError, match='has 5 values'):
        layout.unpack(np.zeros(5), shapes)
