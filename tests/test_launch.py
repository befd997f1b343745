"""d2lsent.launch: the command of a launch is a list (no shell), and the line that shows
it can be copied into a shell as it is."""
import shlex
import types

from d2lsent import launch
from d2lsent.config import Config


def test_the_launch_line_is_quoted_as_a_shell_reads_it(tmp_path, monkeypatch, capsys):
    out = tmp_path / "two $(touch touched) it's"
    out.mkdir()
    started = []
    monkeypatch.setattr(launch.subprocess, 'run', lambda command, env: started.append(
        command) or types.SimpleNamespace(returncode=0))
    backend = types.SimpleNamespace(
        launch_command=lambda count, args: ['python', '-m', 'd2lsent', *args])
    argv = ['train', '--processes', '2', '--out', str(out)]
    assert launch.launch(backend, 2, argv, out, Config()) == 0
    assert started == [['python', '-m', 'd2lsent', 'train', '--out', str(out)]]
    line = capsys.readouterr().out.strip()
    prefix = 'launching 2 processes of one thread each: python '
    assert line.startswith(prefix)
    assert shlex.split(line[len(prefix):]) == started[0][1:]
    assert not (tmp_path / 'touched').exists()
