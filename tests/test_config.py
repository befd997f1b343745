"""Config: each setting once (default, help, allowed values), and the command line
derived from it."""
import argparse
import dataclasses

import pytest

from d2lsent import config
from d2lsent.config import Config


def test_config_defaults_are_the_books_recipe():
    c = Config()
    assert (c.num_hiddens, c.num_layers, c.batch_size, c.num_steps, c.num_epochs) == \
        (100, 2, 64, 500, 5)
    assert not c.freeze_embedding and c.weight_decay == 0 and c.dropout == 0
    assert c.recipe == 'fast'


@pytest.mark.parametrize('field, value', [('batch_size', 0), ('num_epochs', -1), ('lr', 0),
                                          ('recipe', 'packed'), ('embedding_init', 'zeros'),
                                          ('weight_decay', -1e-4), ('dropout', 1.0),
                                          ('dropout', -0.1), ('valid_split', 'review')])
def test_config_rejects_bad_values(field, value):
    with pytest.raises(ValueError, match=f'{field} \\(--.* must be'):
        Config(**{field: value})
    with pytest.raises(ValueError, match=r"tokenizer \(--tokenizer\) must be one of book, "
                                         r"glove, got 'spacy'"):
        Config(tokenizer='spacy')


def test_every_setting_has_an_option_with_its_default_and_help():
    parser = argparse.ArgumentParser()
    config.add_options(parser)
    assert config.from_options(parser.parse_args([])) == Config()
    text = ' '.join(parser.format_help().split())
    for field in dataclasses.fields(Config):
        assert f'{config.option(field)} ' in text
        assert f'(default: {field.default})' in text
    args = parser.parse_args(['--epochs', '3', '--lr', '0.002', '--freeze-embedding',
                              '--tokenizer', 'glove'])
    c = config.from_options(args)
    assert (c.num_epochs, c.lr, c.freeze_embedding, c.tokenizer) == (3, 0.002, True, 'glove')
    assert not config.from_options(parser.parse_args(['--no-freeze-embedding'])).freeze_embedding


@pytest.mark.parametrize('field, value, message', [
    ('valid_size', -1, r'valid_size \(--valid-size\) must be at least 1, got -1'),
    ('limit', -5, r'limit \(--limit\) must be at least 0, got -5'),
    ('lr', float('nan'), r'lr \(--lr\) must be above 0, got nan'),
    ('dropout', 1.0, r'dropout \(--dropout\) must be at least 0 and below 1, got 1.0'),
    ('num_epochs', 2.5, r'num_epochs \(--num-epochs\) must be of type int'),
])
def test_errors_name_the_setting_its_option_and_the_range(field, value, message):
    with pytest.raises(ValueError, match=message):
        Config(**{field: value})
