"""The book's own code (d2lsent.bookcode) against d2lsent's book recipe."""
import sys

import numpy as np
import pytest
import torch

from d2lsent import bookcode, download
from d2lsent import torch as d2l_torch
from d2lsent.config import Config


@pytest.mark.d2l
def test_the_d2l_torch_module_loads_without_torchvision():
    d2l = bookcode.d2l_module('torch')
    assert d2l.__name__ == 'd2l.torch' and 'torchvision' not in sys.modules
    tokens = d2l.tokenize(['a great film', 'a bad film'], token='word')
    vocab = d2l.Vocab(tokens, min_freq=1)
    # The book's vocabulary has no <pad>: padding is <unk>.
    assert '<pad>' not in vocab.token_to_idx and vocab['<pad>'] == vocab['<unk>']
    assert d2l.truncate_pad(vocab[tokens[0]], 5, vocab['<pad>'])[3:] == [vocab['<unk>']] * 2


@pytest.mark.parametrize('recipe', ['book', 'fast'])
def test_the_book_recipe_initialises_and_computes_as_the_books_code(recipe):
    """From one seed, the book's model and d2lsent's book recipe draw the same LSTM and
    decoder weights (the book's init_weights); the fast recipe keeps PyTorch's LSTM
    initialisation. With the same parameters both compute the same logits."""
    torch.manual_seed(0)
    book = bookcode.torch_model(300, [torch.device('cpu')])
    torch.manual_seed(0)
    ours = d2l_torch.new_model(300, bookcode.EMBED_SIZE, Config(recipe=recipe))
    theirs, mine = book.state_dict(), ours.state_dict()
    same = {k for k in theirs if k != 'embedding.weight' and torch.equal(theirs[k], mine[k])}
    if recipe == 'book':
        assert same == set(theirs) - {'embedding.weight'}
    else:  # PyTorch's default draws, then Xavier on the embedding first: nothing shared
        assert not any('weight' in k for k in same)
    ours.load_state_dict(theirs)
    ours.eval(), book.eval()
    X = torch.randint(0, 300, (3, 7))
    with torch.no_grad():
        torch.testing.assert_close(ours(X), book(X), rtol=0, atol=0)


def test_mxnet_book_recipe_initialises_as_the_books_code(mxnet_backend):
    from mxnet import random
    d2l_mxnet = mxnet_backend
    random.seed(0)
    book = bookcode.mxnet_model(300, d2l_mxnet.try_all_gpus())
    random.seed(0)
    ours = d2l_mxnet.new_model(300, bookcode.EMBED_SIZE, Config(recipe='book'))
    theirs = {k: v.asnumpy() for k, v in d2l_mxnet.lstm_params(book.encoder).items()}
    mine = {k: v.asnumpy() for k, v in d2l_mxnet.lstm_params(ours.encoder).items()}
    for name, value in theirs.items():
        np.testing.assert_array_equal(mine[name], value, err_msg=name)
    assert not theirs['bias_ih_l0'].any()  # Gluon's LSTM biases start at zero
    assert np.abs(theirs['weight_hh_l0']).max() > 0.1  # Xavier, not Uniform(0.07)


@pytest.mark.d2l
def test_the_books_data_pipeline(imdb_data):
    d2l = bookcode.d2l_module('torch')
    train_iter, vocab = bookcode.load_data(d2l, download.download_extract('aclImdb'),
                                           limit=200)
    X, y = next(iter(train_iter))
    assert X.shape == (bookcode.BATCH_SIZE, bookcode.NUM_STEPS) and len(y) == 64
    assert vocab['<pad>'] == vocab['<unk>'] and len(vocab) > 100
    assert (X[:, -1] == vocab['<pad>']).any()  # short reviews end in padding
