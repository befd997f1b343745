"""The PyTorch backend on a GPU: tools/gpu_check.sh runs these on a machine with one
(docs/distributed.md); elsewhere they are skipped. cuDNN computes float32 exactly here
(``allow_tf32`` off), so the GPU and the CPU agree to float rounding."""
import dataclasses

import numpy as np
import pytest

torch = pytest.importorskip('torch')
pytestmark = [pytest.mark.cuda, pytest.mark.skipif(
    not torch.cuda.is_available(), reason='needs a CUDA GPU (tools/gpu_check.sh)')]

from d2lsent import backend, splits  # noqa: E402
from d2lsent.config import Config  # noqa: E402
from d2lsent.prediction import EXAMPLE_REVIEWS  # noqa: E402

d2l = backend.load('torch')
CPU, GPU = torch.device('cpu'), torch.device('cuda')
TOLERANCE = dict(atol=1e-5, rtol=1e-4)  # float rounding, GPU against CPU


@pytest.fixture(autouse=True)
def exact_float32():
    """TF32 off in cuDNN's LSTM for these comparisons (training keeps its default)."""
    allowed = torch.backends.cudnn.allow_tf32
    torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cudnn.allow_tf32 = allowed


def small_batches(imdb_data, recipe):
    config = Config(limit=200, num_steps=120, recipe=recipe, dropout=0.0, seed=3)
    return config, next(iter(splits.make_splits(config, d2l.to_tensor, data=imdb_data)[0]))


def twins(imdb_data, config):
    """The same fresh model on the CPU and on the GPU."""
    d2l.seed(config.seed)
    cpu = d2l.new_model(len(imdb_data.vocab), 50, config, CPU)
    gpu = d2l.new_model(len(imdb_data.vocab), 50, config, GPU)
    d2l.set_params(gpu, d2l.get_params(cpu))
    return cpu, gpu


def test_the_model_and_its_batches_are_on_the_gpu(imdb_data):
    config, batch = small_batches(imdb_data, 'fast')
    net = d2l.new_model(len(imdb_data.vocab), 50, config)  # by default: the first GPU
    assert {p.device.type for p in net.parameters()} == {'cuda'}
    step, eval_net, device = d2l.prepare_training(net, config)
    assert device.type == 'cuda' and eval_net is net
    loss = step(*batch)[0]
    assert loss.device.type == 'cuda' and np.isfinite(float(loss))
    assert d2l.peak_memory_mb(device) > 0 and d2l.describe_devices().startswith('1 x ')


@pytest.mark.parametrize('recipe', ['book', 'fast'])
def test_a_training_step_on_the_gpu_equals_the_cpus(imdb_data, recipe):
    """The same loss, gradients and logits: the fast recipe's masked recurrence with
    its two directions side by side on two CUDA streams against the CPU's, one after
    the other; the book's padded path (one cuDNN call) against the CPU's."""
    config, (X, y, *lengths) = small_batches(imdb_data, recipe)
    grads, losses = [], []
    for net, device in zip(twins(imdb_data, config), (CPU, GPU)):
        step = d2l.TrainStep(net, config, device)
        logits = net(X.to(device), *(l.to(device) for l in lengths))
        loss = step.loss(logits, y.to(device))
        loss.backward()
        grads.append({k: p.grad.cpu() for k, p in net.named_parameters()})
        losses.append((float(loss.detach()), logits.detach().cpu()))
    (cpu_loss, cpu_logits), (gpu_loss, gpu_logits) = losses
    assert gpu_loss == pytest.approx(cpu_loss, rel=1e-5)
    torch.testing.assert_close(gpu_logits, cpu_logits, **TOLERANCE)
    for name, grad in grads[0].items():
        torch.testing.assert_close(grads[1][name], grad, **TOLERANCE, msg=name)


def test_a_checkpoint_from_the_gpu_predicts_the_same_on_the_cpu(imdb_data, tmp_path):
    config, batch = small_batches(imdb_data, 'fast')
    net = d2l.new_model(len(imdb_data.vocab), 50, config, GPU)
    d2l.TrainStep(net, config, GPU)(*batch)  # trained a little, on the GPU
    path = d2l.save_model(net, imdb_data.vocab, config, tmp_path / 'model.npz')
    loaded = d2l.load_model(path, imdb_data.vocab, device=CPU)[0]
    assert {p.device.type for p in loaded.parameters()} == {'cpu'}
    X, _, lengths = batch
    np.testing.assert_allclose(d2l.predict_logits(loaded, X, lengths),
                               d2l.predict_logits(net, X, lengths), **TOLERANCE)


def test_the_shipped_model_predicts_the_same_on_both(imdb_data):
    nets = [d2l.load_pretrained(device=device) for device in (CPU, GPU)]
    config = dataclasses.replace(nets[0][2], limit=400)
    probs = [d2l.predict_proba(net, splits.make_splits(config, d2l.to_tensor)[2])
             for net, _, _ in nets]
    np.testing.assert_allclose(probs[1], probs[0], **TOLERANCE)
    vocab = nets[0][1]
    for review, expected in EXAMPLE_REVIEWS:
        assert [d2l.predict_sentiment(net, vocab, review)[0] for net, _, _ in nets] == \
            [expected, expected]
