import json
import os
import pathlib
import shlex
import shutil
import signal
import subprocess
import sys
import time

import pytest

from conftest import HAVE, ROOT
from d2lsent import download, pretrained
from d2lsent.__main__ import main
from d2lsent.results import load_run, read_run
from d2lsent.prediction import EXAMPLE_REVIEWS
from test_runs import TIMEOUT_S, TINY, error_line


@pytest.fixture
def run_folder(smoke_run):
    """The small model that conftest trains with the command line."""
    return smoke_run


def test_train_writes_the_run_folder(run_folder):
    assert sorted(p.name for p in run_folder.iterdir()) == [
        'config.json', 'curves.png', 'evaluation.json', 'evaluation.png', 'metrics.json',
        'model.npz', 'predictions.json']
    metrics = json.loads((run_folder / 'metrics.json').read_text())
    assert [m['epoch'] for m in metrics] == [1, 2]
    assert metrics[-1]['train_acc'] > metrics[0]['train_acc'] and \
        best_epoch(metrics)['test_acc'] > 0.55  # it learned something
    config = json.loads((run_folder / 'config.json').read_text())
    assert config['backend'] == 'torch' and config['embedding'] == 'glove.6b.50d-packaged'
    assert (config['preset'], config['recipe'], config['tokenizer'], config['dropout'],
            config['keep_best_epoch'], config['lr']) == ('best', 'fast', 'glove', 0.5, True,
                                                         0.01)
    report = json.loads((run_folder / 'evaluation.json').read_text())
    assert report['reviews'] == 2000 and sum(map(sum, report['confusion_matrix'])) == 2000
    kept = best_epoch(metrics)  # the model ends with the epoch best on validation
    assert abs(report['accuracy'] - kept['test_acc']) < 1e-3  # argmax vs p > 0.5
    assert len(report['confidently_wrong']) == 5 and report['confidently_wrong'][0]['text']


def best_epoch(metrics):
    valid = [m['valid_acc'] for m in metrics]
    return metrics[valid.index(max(valid))]


def test_predict_tokenizes_as_the_checkpoint_was_trained(run_folder, capsys):
    """GloVe tokens: upper case, punctuation and <br /> give the same tokens."""
    assert main(['predict', str(run_folder / 'model.npz'), 'A WONDERFUL film!',
                 'a wonderful film !', 'A WONDERFUL film!<br />']) == 0
    lines = [line.split('\t')[:2] for line in capsys.readouterr().out.splitlines()]
    assert lines[0] == lines[1] == lines[2]  # the book's split would see other tokens


def test_predict_without_a_checkpoint_uses_the_pretrained_model(capsys):
    from d2lsent import backend, pretrained
    torch = backend.load('torch')
    net, vocab, config = torch.load_pretrained()
    assert main(['predict', 'a wonderful film', '--json']) == 0
    line = json.loads(capsys.readouterr().out)
    label, prob = torch.predict_sentiment(net, vocab, 'a wonderful film')
    assert (line['label'], line['probability']) == (label, round(prob, 4))
    assert pretrained.PATH.is_file()


def test_clearly_positive_and_negative_reviews_differ(run_folder):
    """The final check: catches swapped labels or a scrambled order."""
    predictions = json.loads((run_folder / 'predictions.json').read_text())
    assert [p['label'] for p in predictions] == [label for _, label in EXAMPLE_REVIEWS]


def test_reloaded_model_predicts_the_same_in_a_new_process(run_folder):
    texts = [text for text, _ in EXAMPLE_REVIEWS]
    out = subprocess.run([sys.executable, '-m', 'd2lsent', 'predict',
                          str(run_folder / 'model.npz'), *texts],
                         capture_output=True, text=True, check=True).stdout
    saved = json.loads((run_folder / 'predictions.json').read_text())
    lines = [line.split('\t') for line in out.splitlines()]
    assert [(l[0], float(l[1])) for l in lines] == \
        [(p['label'], round(p['probability'], 3)) for p in saved]


def test_evaluate_reports_the_test_accuracy_and_writes_the_analysis(run_folder, tmp_path,
                                                                   capsys):
    assert main(['evaluate', str(run_folder / 'model.npz'), '--limit', '2000',
                 '--out', str(tmp_path)]) == 0
    kept = best_epoch(json.loads((run_folder / 'metrics.json').read_text()))
    out = capsys.readouterr().out
    assert f"test accuracy: {kept['test_acc']:.3f} on 2,000 reviews" in out
    assert 'positive: precision' in out and 'expected calibration error' in out
    assert json.loads((tmp_path / 'evaluation.json').read_text()) == \
        json.loads((run_folder / 'evaluation.json').read_text())
    assert (tmp_path / 'evaluation.png').is_file()


def test_predict_bad_inputs(run_folder, tmp_path, capsys):
    assert main(['predict', str(run_folder / 'model.npz'), '  ']) == 1
    assert 'non-empty review' in capsys.readouterr().err
    assert main(['predict', str(tmp_path / 'none.npz'), 'good']) == 1
    assert 'No checkpoint at' in capsys.readouterr().err
    assert main(['predict', str(run_folder / 'model.npz'), '--file',
                 str(tmp_path / 'none.txt')]) == 1
    assert 'Cannot read --file' in capsys.readouterr().err
    reviews = tmp_path / 'reviews.txt'
    reviews.write_text('a wonderful film\n\nawful\n')
    assert main(['predict', str(run_folder / 'model.npz'), '--file', str(reviews)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_prepare_reports_the_data(imdb_data, capsys):
    assert main(['prepare', '--tokenizer', 'book']) == 0
    out = capsys.readouterr().out
    assert 'train: 25,000 reviews (12,500 positive), features (25000, 500) int32' in out
    assert 'vocabulary: 49,346 tokens (min_freq=5)' in out
    assert 'word vectors: glove.6b.50d-packaged, 400,001 tokens x 50' in out
    assert 'vocabulary entries with a vector: 19,115 of 49,345 (38.7%)' in out
    assert main(['prepare']) == 0  # the tokens of the preset best, which train uses
    assert 'vocabulary: 29,168 tokens (min_freq=5)' in capsys.readouterr().out


def test_bad_values_exit_non_zero(capsys):
    with pytest.raises(SystemExit) as e:
        main(['prepare', '--num-steps', '0'])
    assert e.value.code == 2
    assert 'num_steps (--num-steps) must be at least 1 and at most 10000, got 0' in \
        capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(['frobnicate'])
    assert e.value.code == 2
    with pytest.raises(SystemExit) as e:
        main(['train', '--backend', 'tensorflow'])
    assert e.value.code == 2
    assert "invalid choice: 'tensorflow'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:  # before any data is read
        main(['train', '--weight-decay', '-1'])
    assert e.value.code == 2
    assert 'weight_decay (--weight-decay) must be at least 0, got -1.0' in \
        capsys.readouterr().err


def test_missing_data_is_a_clear_error(tmp_cache, capsys):
    assert main(['prepare']) == 1
    assert 'set D2LSENT_MIRROR' in capsys.readouterr().err


def test_module_help_runs():
    out = subprocess.run([sys.executable, '-m', 'd2lsent', 'prepare', '--help'],
                         capture_output=True, text=True, check=True).stdout
    assert '--embedding' in out and 'D2LSENT_MIRROR' in out


def test_bench_prints_one_json_line_per_recipe_and_the_ratios(run_folder, capsys):
    """The book's own code is the reference row where the [d2l] extra is installed;
    elsewhere the row is left out, said why, and the book's recipe is the reference."""
    assert main(['bench', '--batches', '2', '--num-steps', '100', '--json',
                 '--checkpoint', str(run_folder / 'model.npz'), '--embedding',
                 'glove.6b.50d-packaged']) == 0
    out, err = capsys.readouterr()
    *rows, ratios = [json.loads(line) for line in out.splitlines()]
    recipes = ['book-code', 'book', 'fast'] if HAVE['d2l'] else ['book', 'fast']
    assert [r['recipe'] for r in rows] == recipes
    assert ("book-code left out: the book's d2l 1.0.3 does not load here" in err) != \
        HAVE['d2l']
    by_recipe = {r['recipe']: r for r in rows}
    book, fast = by_recipe['book'], by_recipe['fast']
    assert [r['flush_denormals'] for r in rows] == [False] * (len(rows) - 1) + [True]
    for r in rows:
        assert r['backend'] == 'torch' and r['batches'] == 2 and r['examples_per_s'] > 0
        assert r['median_step_s'] > 0 and r['peak_rss_mb'] > 100
        assert 0 < r['gflops'] and 0 < r['peak_share'] < 1
    assert book['tokens_per_s'] > 0 and fast['tokens_per_s'] > 0
    assert book['start'].endswith('model.npz')
    assert fast['padding_fraction'] < 0.01 < book['padding_fraction']
    reference = by_recipe[recipes[0]]
    assert ratios == {f'{r["recipe"]}/{recipes[0]}':
                      round(r['examples_per_s'] / reference['examples_per_s'], 2)
                      for r in rows[1:]}
    if HAVE['d2l']:
        code = by_recipe['book-code']
        assert code['tokens_per_s'] is None  # the book's batches carry no lengths
        assert code['start'] == 'fresh model'


def test_bench_bad_values(capsys, tmp_path):
    assert main(['bench', '--recipe', 'book,packed']) == 1
    assert 'Unknown recipe packed: choose from book-code, fast, book' in \
        capsys.readouterr().err
    assert main(['bench', '--checkpoint', str(tmp_path / 'none.npz')]) == 1
    assert 'No checkpoint at' in capsys.readouterr().err


@pytest.mark.mxnet
def test_train_with_mxnet_and_the_book_preset_and_evaluate_with_torch(tmp_path, imdb_data,
                                                                     capsys):
    """The main command trains with either backend and from either preset (options
    override it); the checkpoint serves both backends."""
    out = tmp_path / 'mx'
    assert main(['train', '--backend', 'mxnet', '--preset', 'book', '--recipe', 'fast',
                 '--limit', '400', '--num-steps', '100', '--epochs', '1', '--valid-size', '50',
                 '--valid-split', 'movie', '--weight-decay', '1e-6', '--out', str(out)]) == 0
    config = json.loads((out / 'config.json').read_text())
    assert (config['backend'], config['preset'], config['recipe'], config['tokenizer'],
            config['freeze_embedding'], config['lr'], config['weight_decay'],
            config['valid_split']) == ('mxnet', 'book', 'fast', 'book', True, 0.01, 1e-6,
                                       'movie')
    test_acc = json.loads((out / 'metrics.json').read_text())[-1]['test_acc']
    capsys.readouterr()
    assert main(['evaluate', str(out / 'model.npz'), '--limit', '400',
                 '--backend', 'torch']) == 0
    reported = float(capsys.readouterr().out.split('test accuracy: ')[1].split()[0])
    assert abs(reported - test_acc) <= 0.0025  # the same reviews, to 3 decimals
    assert main(['results', str(out)]) == 0
    assert ("| mx | mxnet | fast | book | glove.6b.50d-packaged frozen "
            "| 0.01, weight decay 1e-06 | 1/1 | ") in capsys.readouterr().out


def test_results_table_has_one_row_per_run(run_folder, tmp_path, capsys):
    assert main(['results', str(run_folder), str(run_folder)]) == 0
    lines = capsys.readouterr().out.splitlines()
    metrics = json.loads((run_folder / 'metrics.json').read_text())
    kept = best_epoch(metrics)
    assert lines[0].startswith('| run | backend | recipe | tokenizer |') and len(lines) == 4
    assert (f"| {run_folder.name} | torch | fast | glove | glove.6b.50d-packaged fine-tuned "
            f"| 0.01, dropout 0.5 | {kept['epoch']}/2 (best valid) | {kept['valid_acc']:.3f} "
            f"| {kept['test_acc']:.3f} | {metrics[-1]['test_acc']:.3f} |"
            ) in lines[2]
    assert load_run(run_folder)[1].summary()['valid_acc'] == kept['valid_acc']  # unrounded
    assert main(['results', str(tmp_path)]) == 1
    assert 'is not a finished run folder: ' in capsys.readouterr().err


def test_results_table_names_a_random_embedding(run_folder, tmp_path):
    """An ablation's setting shows in its row (here: the embedding's start)."""
    config = json.loads((run_folder / 'config.json').read_text())
    run = tmp_path / 'random'
    run.mkdir()
    (run / 'config.json').write_text(json.dumps({**config, 'embedding_init': 'xavier',
                                                 'freeze_embedding': True}))
    (run / 'metrics.json').write_text((run_folder / 'metrics.json').read_text())
    assert read_run(run)['embedding'] == 'random (Xavier) frozen'
    assert read_run(run_folder)['embedding'] == 'glove.6b.50d-packaged fine-tuned'


SMALL = ['--limit', '200', '--num-steps', '100', '--epochs', '3', '--valid-size', '40',
         '--batch-size', '32']


def _train_killed_after_epoch_one(args):
    """``python -m d2lsent train ARGS`` in a process killed (SIGKILL) right after it
    reported the first epoch (whose state it saved before)."""
    code = ('import os, signal\n'
            'from d2lsent import __main__ as cli\n'
            'report = cli._print_epoch\n'
            'def report_then_die(record):\n'
            '    report(record)\n'
            '    os.kill(os.getpid(), signal.SIGKILL)\n'
            'cli._print_epoch = report_then_die\n'
            f'cli.main({["train", *args]!r})\n')
    return subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)


@pytest.mark.parametrize('backend, dropout', [
    ('torch', '0.3'), pytest.param('mxnet', '0', marks=pytest.mark.mxnet)])
def test_a_killed_run_resumes_to_the_same_metrics(tmp_path, imdb_data, capsys, backend,
                                                  dropout):
    args = [*SMALL, '--backend', backend, '--dropout', dropout, '--keep-best-epoch']
    assert main(['train', *args, '--out', str(tmp_path / 'whole')]) == 0
    killed = _train_killed_after_epoch_one([*args, '--out', str(tmp_path / 'killed')])
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert 'epoch 1:' in killed.stdout and 'epoch 2:' not in killed.stdout
    assert main(['results', str(tmp_path / 'killed')]) == 1
    assert 'not a finished run folder' in capsys.readouterr().err
    assert main(['train', '--resume', str(tmp_path / 'killed')]) == 0
    out = capsys.readouterr().out
    assert '(resumed)' in out and 'epoch 1:' not in out and 'epoch 3:' in out
    timing = ('examples_per_s', 'train_seconds', 'eval_seconds')
    whole, resumed = ([{k: v for k, v in r.items() if k not in timing}
                       for r in json.loads((tmp_path / name / 'metrics.json').read_text())]
                      for name in ('whole', 'killed'))
    assert resumed == whole  # the same numbers, to the last bit
    assert not (tmp_path / 'killed' / 'resume.npz').exists()
    assert main(['train', '--resume', str(tmp_path / 'killed')]) == 1
    assert 'that run has finished' in capsys.readouterr().err


def test_the_run_folder_is_checked_before_any_work(tmp_path, run_folder, capsys,
                                                   monkeypatch):
    monkeypatch.setattr('d2lsent.training.make_splits', lambda *a, **k: pytest.fail('worked'))
    (tmp_path / 'a-file').write_text('')
    cases = [(['--out', str(tmp_path / 'a-file')], 'is a file: give a folder'),
             (['--out', str(run_folder)], 'already holds a run: give another folder, add '
                                          '--overwrite'),
             (['--resume', str(tmp_path)], 'there is no resume.npz to resume from'),
             (['--resume', str(run_folder)], 'that run has finished'),
             (['--resume', str(run_folder), '--lr', '0.1'], 'give no other training option')]
    if os.geteuid() != 0:  # root writes anywhere
        (tmp_path / 'ro').mkdir(mode=0o555)
        cases.append((['--out', str(tmp_path / 'ro' / 'run')], 'cannot be written'))
    for args, message in cases:
        assert main(['train', *args]) == 1, args
        assert message in capsys.readouterr().err, args


@pytest.mark.parametrize('content', ['', '{"lr": ', '[]'])
def test_results_refuse_damaged_run_files(run_folder, tmp_path, capsys, content):
    run = tmp_path / 'run'
    run.mkdir()
    (run / 'config.json').write_text((run_folder / 'config.json').read_text())
    (run / 'metrics.json').write_text(content)
    assert main(['results', str(run)]) == 1
    err = capsys.readouterr().err
    assert 'metrics.json' in err and 'Traceback' not in err


def test_predict_cuts_huge_reviews_and_prints_json(run_folder, tmp_path, capsys):
    huge = 'a fine film , ' * 200_000  # 2.8 MB
    start = time.perf_counter()
    assert main(['predict', '--json', str(run_folder / 'model.npz'), huge,
                 '--backend', 'torch', 'a dull film']) == 0  # reviews after options too
    assert time.perf_counter() - start < 20
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 2 and lines[0]['label'] in ('positive', 'negative')
    assert len(lines[0]['review']) == 70 and lines[0]['review'].endswith('…')
    assert lines[1]['review'] == 'a dull film'
    latin = tmp_path / 'latin1.txt'
    latin.write_bytes('un film très bien\n'.encode('latin-1'))
    assert main(['predict', str(run_folder / 'model.npz'), '--file', str(latin)]) == 1
    assert f'--file {latin} is not UTF-8 text' in capsys.readouterr().err


def test_a_damaged_checkpoint_is_refused_with_its_name(run_folder, tmp_path, capsys):
    data = (run_folder / 'model.npz').read_bytes()
    (tmp_path / 'cut.npz').write_bytes(data[:len(data) // 2])
    assert main(['predict', str(tmp_path / 'cut.npz'), 'good']) == 1
    err = capsys.readouterr().err
    assert f'{tmp_path / "cut.npz"} is not a usable d2lsent checkpoint' in err
    assert 'Traceback' not in err


def test_debug_shows_the_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv('D2LSENT_DEBUG', '1')
    with pytest.raises(FileNotFoundError, match='No checkpoint at'):
        main(['predict', str(tmp_path / 'none.npz'), 'good'])


def test_evaluate_refuses_a_file_as_its_folder_before_any_work(tmp_path, capsys,
                                                               monkeypatch):
    for work in ('d2lsent.imdb.load_imdb', 'd2lsent.evaluation.evaluate_test_set'):
        monkeypatch.setattr(work, lambda *a, **k: pytest.fail('worked'))
    report = tmp_path / 'report'
    report.write_text('mine')
    assert main(['evaluate', str(pretrained.PATH), '--out', str(report)]) == 1
    assert error_line(capsys) == (f'error: --out {report} is a file: give a folder for '
                                  f'evaluation.json and evaluation.png.')
    assert report.read_text() == 'mine'


def python_m_d2lsent(*args, **env):
    """``python -m d2lsent ARGS`` started with pipes for its output and ``env`` added to
    its environment (TQDM_DISABLE: no progress bars; a value of None unsets one)."""
    env = {k: v for k, v in {**os.environ, 'TQDM_DISABLE': '1', **env}.items()
           if v is not None}
    # Ctrl-C reaches it even where this process ignores it (started in the background).
    return subprocess.Popen([sys.executable, '-m', 'd2lsent', *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def finish(process):
    """``(stdout, stderr)`` of ``process`` once it has ended; killed, and the test failed,
    if it runs for ``TIMEOUT_S`` seconds (a hang)."""
    try:
        return process.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f'{shlex.join(process.args)} did not end in {TIMEOUT_S} s')


def read_until(process, start):
    """Read ``process``'s output up to a line that starts with ``start``: that line, or
    '' if the output ended first."""
    return next((line for line in process.stdout if line.startswith(start)), '')


def test_ctrl_c_after_an_epoch_says_how_to_resume(tmp_path, imdb_data):
    run = tmp_path / 'the run $(x)'  # the command shown quotes it
    with python_m_d2lsent('train', *TINY, '--epochs', '3', '--out', str(run)) as training:
        assert read_until(training, 'epoch 1:')
        training.send_signal(signal.SIGINT)
        out, err = finish(training)
    assert training.returncode == 130, err
    assert err == (f'interrupted: continue with python -m d2lsent train --resume '
                   f'{shlex.quote(str(run))}\n')
    assert 'epoch 3:' not in out and (run / 'resume.npz').is_file()


def test_ctrl_c_while_fetching_the_data(tmp_path):
    """An empty cache filled from the mirror: Ctrl-C while the archive is unpacked."""
    mirror = pathlib.Path(os.environ.get(download.MIRROR_ENV)
                          or ROOT.parent / 'shared' / 'data')
    if not mirror.is_dir():
        pytest.skip(f'needs the data mirror ({download.MIRROR_ENV}, or {mirror})')
    with python_m_d2lsent('prepare', D2LSENT_CACHE=str(tmp_path / 'cache'),
                          D2LSENT_MIRROR=str(mirror), PYTHONUNBUFFERED='1') as preparing:
        assert read_until(preparing, 'cache folder:')
        preparing.send_signal(signal.SIGINT)
        out, err = finish(preparing)
    assert preparing.returncode == 130 and err == 'interrupted\n', err
    assert 'IMDb reviews:' not in out  # it was stopped while fetching
    cache = tmp_path / 'cache'  # holds nothing half-done: at most the lock file
    assert {p.name for p in cache.glob('*')} <= {'aclImdb.lock'}


def test_predict_into_a_reader_that_stops_early(tmp_path):
    """``predict ... | head -1``: the reader closes the pipe after the first line, or
    before any; the writes that follow fail (Python writes to a pipe in blocks, the last
    at exit), which is no error."""
    blocks = {'PYTHONUNBUFFERED': None}  # as in a shell, whatever this one sets
    with python_m_d2lsent('predict', *['a fine film', 'a dull film'] * 500,
                          **blocks) as predicting:
        first = predicting.stdout.readline()
        predicting.stdout.close()
        err = finish(predicting)[1]
    assert first.endswith('\ta fine film\n')
    assert predicting.returncode == 0 and err == ''
    with python_m_d2lsent('predict', 'a fine film', **blocks) as predicting:
        predicting.stdout.close()  # its only block is written at the end
        err = finish(predicting)[1]
    assert predicting.returncode == 0 and err == ''


@pytest.mark.parametrize('kind', ['a character device', 'a folder', 'a FIFO (named pipe)'])
def test_predict_reads_reviews_from_a_regular_file_only(tmp_path, kind):
    """In a fresh Python, stopped if it hangs: a FIFO blocks whoever opens it to read."""
    path = {'a character device': pathlib.Path('/dev/zero'), 'a folder': tmp_path,
            'a FIFO (named pipe)': tmp_path / 'fifo'}[kind]
    if kind.startswith('a FIFO'):
        os.mkfifo(path)
    start = time.perf_counter()
    with python_m_d2lsent('predict', '--file', str(path)) as predicting:
        out, err = finish(predicting)
    assert time.perf_counter() - start < 20
    assert predicting.returncode == 1 and out == ''
    assert err == (f'error: Cannot read --file {path}: it is {kind}, not a regular file; '
                   f'give the path of a file.\n')


def test_the_first_argument_is_the_checkpoint_only_where_it_names_one(tmp_path, capsys,
                                                                      monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(['predict', 'I loved it.npz']) == 0  # a review: it has a space
    assert capsys.readouterr().out.endswith('\tI loved it.npz\n')
    for args in (['great.npz'], ['great.npz', 'a fine film']):  # a mistyped path
        assert main(['predict', *args]) == 1
        assert error_line(capsys) == ('error: No checkpoint at great.npz: give the model.npz '
                                      'of a run folder (python -m d2lsent train writes one).')
    saved = tmp_path / 'my run' / 'model.npz'
    saved.parent.mkdir()
    shutil.copy(pretrained.PATH, saved)
    assert main(['predict', str(saved), 'a fine film']) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].endswith('\ta fine film')


def test_predict_shows_no_terminal_escapes_of_a_review(capsys):
    review = '\x1b[31mred\x1b[0m film'
    assert main(['predict', review]) == 0
    out = capsys.readouterr().out
    assert '\x1b' not in out and out.endswith('\t [31mred [0m film\n')
    assert main(['predict', '--json', review]) == 0
    out = capsys.readouterr().out
    assert '\x1b' not in out and '\\u001b[31mred' in out
    assert json.loads(out)['review'] == review


@pytest.mark.skipif(HAVE['mxnet'], reason='MXNet is installed here')
def test_a_missing_framework_is_named_with_its_extra_and_no_folder_is_made(tmp_path, capsys,
                                                                           monkeypatch):
    monkeypatch.chdir(tmp_path)  # where the default run folder, runs/..., would go
    for out in ([], ['--out', str(tmp_path / 'mx')]):
        assert main(['train', '--backend', 'mxnet', *TINY, *out]) == 1
        assert error_line(capsys).startswith(
            "error: The mxnet backend needs MXNet 1.9.1, which needs Python 3.11 and numpy "
            "< 1.24: on Python 3.11, pip install 'd2lsent[mxnet]'")
    assert list(tmp_path.iterdir()) == []
