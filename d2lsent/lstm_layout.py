"""A bidirectional LSTM's parameters as checkpoints name them (PyTorch's names and shapes),
and Gluon's names and fused vector for them (used by ``d2lsent.mxnet`` and the exercise
checks; no framework here).

Checkpoints name parameters as PyTorch does (``embedding.weight``,
``encoder.weight_ih_l0``, ``encoder.bias_hh_l1_reverse``, ``decoder.weight``
...). Both frameworks order an LSTM's gates the same way (input, forget,
cell candidate, output) and both keep two bias vectors per layer and
direction, so moving a model between them only renames (Gluon 1.x) or packs
(Gluon 2.0, one fused vector) the same arrays: no transposing, no reordering.
"""
import numpy as np

GATES = 4  # input, forget, cell candidate (g / c), output: the same order in both


def lstm_names(num_layers, prefix='encoder.'):
    """PyTorch names of a bidirectional LSTM's parameters, in the order of MXNet's
    fused vector: all weights (per layer, per direction: input-hidden, then
    hidden-hidden), then all biases in the same order."""
    return [f'{prefix}{kind}_{source}_l{layer}{direction}'
            for kind in ('weight', 'bias') for layer in range(num_layers)
            for direction in ('', '_reverse') for source in ('ih', 'hh')]


def lstm_shapes(embed_size, num_hiddens, num_layers, prefix='encoder.'):
    """``{name: shape}`` of a bidirectional LSTM's parameters, PyTorch names."""
    shapes = {}
    for name in lstm_names(num_layers, prefix):
        layer = int(name.split('_l')[-1].split('_')[0])
        if name.split('.')[-1].startswith('bias'):
            shapes[name] = (GATES * num_hiddens,)
        elif '_ih_' in name:
            shapes[name] = (GATES * num_hiddens, embed_size if layer == 0 else 2 * num_hiddens)
        else:
            shapes[name] = (GATES * num_hiddens, num_hiddens)
    return shapes


def gluon1_name(name):
    """Gluon 1.x's name of a PyTorch LSTM parameter name, e.g.
    ``encoder.weight_ih_l0_reverse`` -> ``encoder.r0_i2h_weight``."""
    prefix, rest = name.rsplit('.', 1) if '.' in name else ('', name)
    kind, source, layer = rest.split('_')[:3]
    direction = 'r' if rest.endswith('_reverse') else 'l'
    source = {'ih': 'i2h', 'hh': 'h2h'}[source]
    return f"{prefix + '.' if prefix else ''}{direction}{layer[1:]}_{source}_{kind}"


def pack(params, names):
    """One flat vector of ``params[name]`` for ``names`` (MXNet's fused layout)."""
    return np.concatenate([np.asarray(params[n]).reshape(-1) for n in names])


def unpack(flat, shapes):
    """``{name: array}`` cut from ``flat`` in the order of ``shapes`` (a dict)."""
    sizes = [int(np.prod(s)) for s in shapes.values()]
    if len(flat) != sum(sizes):
        raise ValueError(f'The fused LSTM vector has {len(flat)} values, the shapes '
                         f'need {sum(sizes)}.')
    params, start = {}, 0
    for (name, shape), size in zip(shapes.items(), sizes):
        params[name] = flat[start:start + size].reshape(shape)
        start += size
    return params
