"""Config: each setting once (default, help, allowed values), and the command line
derived from it."""
import argparse
import dataclasses
import re

import pytest

from d2lsent import config
from d2lsent.__main__ import main
from d2lsent.config import Config


def test_the_defaults_are_the_preset_best_and_book_is_one_name_away():
    c = Config()
    assert (c.num_hiddens, c.num_layers, c.batch_size, c.num_steps, c.num_epochs) == \
        (100, 2, 64, 500, 5)  # the book's sizes in every preset
    assert (c.tokenizer, c.dropout, c.lr, c.keep_best_epoch, c.recipe) == \
        ('glove', 0.5, 0.002, True, 'fast')
    assert config.preset('best') == c
    book = config.preset('book')
    assert (book.tokenizer, book.dropout, book.lr, book.lr_schedule, book.freeze_embedding,
            book.recipe, book.keep_best_epoch) == ('book', 0.0, 0.01, 'constant', True,
                                                   'book', False)
    assert config.preset('book', lr=0.02).lr == 0.02  # a value given overrides the preset
    with pytest.raises(ValueError, match="Unknown preset 'fast': use one of best, book"):
        config.preset('fast')


def test_a_record_without_newer_settings_reads_as_trained():
    """A run folder or checkpoint made before a setting existed trained with the value
    ``UNRECORDED`` gives, whatever today's default."""
    old = config.recorded({'backend': 'torch', 'lr': 0.01, 'machine': '2 x AMD EPYC'})
    assert (old.lr, old.lr_schedule, old.dropout, old.tokenizer) == \
        (0.01, 'constant', 0.0, 'book')
    new = config.recorded({'lr_schedule': 'warmup-cosine', 'dropout': 0.5})
    assert (new.lr_schedule, new.dropout) == ('warmup-cosine', 0.5)
    assert set(config.UNRECORDED) <= set(config.NAMES)


@pytest.mark.parametrize('field, value', [('batch_size', 0), ('num_epochs', -1), ('lr', 0),
                                          ('recipe', 'packed'), ('embedding_init', 'zeros'),
                                          ('weight_decay', -1e-4), ('dropout', 1.0),
                                          ('dropout', -0.1), ('valid_split', 'review'),
                                          ('lr_schedule', 'step')])
def test_config_rejects_bad_values(field, value):
    with pytest.raises(ValueError, match=f'{field} \\(--.* must be'):
        Config(**{field: value})
    with pytest.raises(ValueError, match=r"tokenizer \(--tokenizer\) must be one of book, "
                                         r"glove, got 'spacy'"):
        Config(tokenizer='spacy')


def test_every_setting_has_an_option_with_its_default_and_help():
    parser = argparse.ArgumentParser()
    config.add_options(parser, presets=True)
    assert config.from_options(parser.parse_args([])) == Config()
    text = ' '.join(parser.format_help().split())
    for field in dataclasses.fields(Config):
        assert f'{config.option(field)} ' in text
        book = getattr(config.preset('book'), field.name)
        assert (f'(default: {field.default})' if book == field.default else
                f'(best: {field.default}, book: {book})') in text
    args = parser.parse_args(['--epochs', '3', '--lr', '0.02', '--freeze-embedding',
                              '--tokenizer', 'book'])
    c = config.from_options(args)
    assert (c.num_epochs, c.lr, c.freeze_embedding, c.tokenizer) == (3, 0.02, True, 'book')
    assert c.dropout == 0.5  # not given: the preset's
    assert not config.from_options(parser.parse_args(['--no-freeze-embedding'])).freeze_embedding
    book = config.from_options(parser.parse_args(['--preset', 'book', '--no-freeze-embedding']))
    assert book == config.preset('book', freeze_embedding=False)
    assert config.given_options(parser.parse_args(['--preset', 'book'])) == {}


@pytest.mark.parametrize('field, value, message', [
    ('valid_size', -1, r'valid_size \(--valid-size\) must be at least 1 and at most 25000, '
                       r'got -1'),
    ('limit', -5, r'limit \(--limit\) must be at least 0 and at most 25000, got -5'),
    ('num_steps', 1_000_000, r'num_steps \(--num-steps\) must be at least 1 and at most '
                             r'10000, got 1000000'),
    ('num_hiddens', 6000, r'num_hiddens \(--num-hiddens\) must be at least 1 and at most '
                          r'4096, got 6000'),
    ('num_layers', 100_000, r'num_layers \(--num-layers\) must be at least 1 and at most 16'),
    ('lr', float('nan'), r'lr \(--lr\) must be above 0, got nan'),
    ('dropout', 1.0, r'dropout \(--dropout\) must be at least 0 and below 1, got 1.0'),
    ('num_epochs', 2.5, r'num_epochs \(--num-epochs\) must be of type int'),
])
def test_errors_name_the_setting_its_option_and_the_range(field, value, message):
    with pytest.raises(ValueError, match=message):
        Config(**{field: value})


@pytest.mark.parametrize('limit', range(1, 10))
def test_a_limit_too_small_to_validate_on_is_refused(limit, capsys):
    """Ten reviews at least, split three ways (validation takes a fifth): a smaller limit
    is refused with the option and its smallest value, before any work."""
    message = f'limit (--limit) must be 0 (all reviews) or at least 10, got {limit}.'
    with pytest.raises(ValueError, match=re.escape(message)):
        Config(limit=limit)
    with pytest.raises(SystemExit) as e:
        main(['train', '--limit', str(limit)])
    assert e.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == \
        f'python -m d2lsent: error: {message}'
    assert Config(limit=0).limit == 0 and Config(limit=10).limit == 10
