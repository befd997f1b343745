import numpy as np
import pytest

from d2lsent import prediction
from d2lsent.batching import Buckets, Minibatches


def test_outputs_return_to_example_order():
    """Buckets sort reviews by length; predictions must come back in example order."""
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 30, size=100)
    features = np.arange(100)[:, None].repeat(30, axis=1)  # every token = the example index
    it = Buckets((features, np.zeros(100)), lengths, 16)
    outputs = [X[:, 0] * 10 for X, _, _ in it]
    assert (prediction.in_example_order(it, outputs) == np.arange(100) * 10).all()
    shuffled = Minibatches((features, np.zeros(100)), 16, shuffle=True)
    with pytest.raises(ValueError, match='unshuffled'):
        prediction.in_example_order(shuffled, [X[:, 0] for X, _ in shuffled])



def test_softmax_and_sentiment():
    probs = prediction.softmax(np.array([[0.0, np.log(3)], [1000.0, 0.0]]))
    assert probs == pytest.approx(np.array([[0.25, 0.75], [1.0, 0.0]]))
    assert prediction.sentiment(probs[0]) == ('positive', pytest.approx(0.75))
    assert prediction.sentiment(probs[1]) == ('negative', 1.0)
