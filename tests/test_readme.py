"""The README is a front door: short, and every command it shows is real."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from typer.main import get_command

from toolkit.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
LIMIT = 12_000


def code_blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.DOTALL)


def toolkit_commands(text: str) -> list[list[str]]:
    """Each `toolkit ...` invocation in the README's shell and cron blocks, as argv."""
    found = []
    for block in code_blocks(text, "sh") + code_blocks(text, "cron"):
        block = block.replace("\\\n", " ").replace("\\%", "%")
        for line in block.splitlines():
            line = line.split("#", 1)[0] if " #" in line else line
            for piece in re.split(r"\|\||&&|\|", line):
                words = shlex.split(piece.replace("2>>", " 2>> "))
                for i, word in enumerate(words):
                    if word.endswith("toolkit") and i + 1 < len(words):
                        found.append(words[i + 1:])
                        break
    return found


def test_the_readme_is_short():
    assert len(README) <= LIMIT, f"README has {len(README):,} characters; the limit is {LIMIT:,}"


def test_the_first_screen_gives_the_two_commands():
    first_screen = "\n".join(README.splitlines()[:20])
    assert "make demo" in first_screen and "make test" in first_screen


def test_every_command_and_option_in_the_readme_exists():
    root = get_command(app)
    commands = toolkit_commands(README)
    assert len(commands) >= 10
    for argv in commands:
        command, rest = root, list(argv)
        while rest and hasattr(command, "commands") and rest[0] in command.commands:
            command = command.commands[rest.pop(0)]
        assert not hasattr(command, "commands") or command is not root, argv
        known = {opt for param in command.params for opt in param.opts + param.secondary_opts}
        for word in rest:
            if word.startswith("-") and word not in ("-", "2>>"):
                flag = word.split("=", 1)[0]
                assert flag in known, f"`toolkit {' '.join(argv)}`: {command.name} has no {flag}"


def test_every_link_to_docs_exists():
    for target in re.findall(r"\]\(((?:docs/)[^)#]+)", README):
        assert (ROOT / target).exists(), target


def test_the_cli_reference_is_generated_from_the_code(tmp_path):
    """docs/cli.md is Typer's own rendering of the app: regenerate it with
    `typer toolkit.cli utils docs --name toolkit --output docs/cli.md`."""
    typer = Path(sys.executable).with_name("typer")
    if not typer.exists():
        pytest.skip("the typer command is not installed beside this Python")
    out = tmp_path / "cli.md"
    subprocess.run([str(typer), "toolkit.cli", "utils", "docs", "--name", "toolkit",
                    "--output", str(out)], check=True, capture_output=True, cwd=ROOT)
    assert out.read_text(encoding="utf-8") == (ROOT / "docs" / "cli.md").read_text(
        encoding="utf-8"), "docs/cli.md is stale: regenerate it (see this test's docstring)"


def test_the_python_example_runs(monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(tmp_path / "packages"))
    (block,) = code_blocks(README, "python")
    block = block.replace("    ...", "    break")
    printed = subprocess.run([sys.executable, "-c", block], capture_output=True, text=True,
                             cwd=ROOT, timeout=300, check=False)
    assert printed.returncode == 0, printed.stderr[-2000:]
    assert printed.stdout.count("\n") >= 3  # a line per French fixture document


def test_every_command_is_in_the_readme_and_has_an_example_in_its_help():
    root = get_command(app)

    def leaves(command, path):
        for name, sub in getattr(command, "commands", {}).items():
            yield from leaves(sub, [*path, name])
        if not hasattr(command, "commands"):
            yield path, command

    for path, command in leaves(root, []):
        assert re.search(rf"(`|toolkit ){path[0]}\b", README), f"README: no `{path[0]}`"
        assert "Example" in (command.help or ""), f"toolkit {' '.join(path)}: no example"


def test_the_first_screen_commands_are_make_targets():
    for target in ("demo", "test"):
        dry = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True,
                             timeout=60, check=False)
        assert dry.returncode == 0, dry.stderr
