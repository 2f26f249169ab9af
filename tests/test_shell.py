"""Shell habits: `toolkit --version`, and Typer's completion for bash, zsh and fish."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from support.jsonl_cli import TOOLKIT_BIN, invoke

import toolkit


def completions(shell: str, words: str, **env: str) -> str:
    """What `toolkit` answers when `shell` asks for completions of `words` (TAB)."""
    variables = {**os.environ, "_TOOLKIT_COMPLETE": f"complete_{shell}", **env}
    if shell == "bash":
        variables.update(COMP_WORDS=words, COMP_CWORD=str(len(words.split()) - 1))
    else:
        variables["_TYPER_COMPLETE_ARGS"] = words
    done = subprocess.run([str(TOOLKIT_BIN)], env=variables, capture_output=True, text=True,
                          timeout=60, check=True)
    return done.stdout


def test_version():
    result = invoke(["--version"])
    assert (result.exit_code, result.stdout.decode()) == (0, f"toolkit {toolkit.__version__}\n")


def test_bash_completes_commands_and_options_through_its_script(tmp_path):
    if not shutil.which("bash"):
        pytest.skip("bash not installed")
    script = tmp_path / "toolkit.bash"
    script.write_bytes(invoke(["completion", "bash"]).stdout)
    line = (f'PATH="{TOOLKIT_BIN.parent}:$PATH"; source "{script}"; '
            'COMP_WORDS=(toolkit dig); COMP_CWORD=1; _toolkit_completion toolkit; '
            'echo "${COMPREPLY[@]}"; COMP_WORDS=(toolkit digest --page); COMP_CWORD=2; '
            '_toolkit_completion toolkit; echo "${COMPREPLY[@]}"')
    done = subprocess.run(["bash", "-c", line], capture_output=True, text=True, timeout=60,
                          check=True)
    assert done.stdout.splitlines() == ["digest", "--page-size"]


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_get_a_script_and_answers(shell):
    script = invoke(["completion", shell])
    assert script.exit_code == 0 and b"_TOOLKIT_COMPLETE=complete_" + shell.encode() in \
        script.stdout
    extra = {"_TYPER_COMPLETE_FISH_ACTION": "get-args"} if shell == "fish" else {}
    answer = completions(shell, "toolkit summ", **extra)
    assert "summarize" in answer and "digest" not in answer


def test_an_unknown_shell_is_bad_usage():
    result = invoke(["completion", "tcsh"])
    assert result.exit_code == 2 and "bash, zsh, fish" in result.stderr
