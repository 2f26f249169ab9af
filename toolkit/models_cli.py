"""The `toolkit models` commands: what they print and the exit status they return.

Human-readable tables go to stdout (data), one-line messages to stderr. A package
file that cannot be installed (not a zip, truncated, no metadata, an entry escaping
the folder, no model) is refused with one line and exit status 1; the other files
on the command line are still installed.

`models export` / `models import` (toolkit.bundle): a damaged, partial or altered bundle
is bad input data, refused like a bad package file: exit 1, nothing installed. A bundle
path that does not exist is a usage error (2); nothing installed to export, or a named
package not installed, is a missing resource (3).
"""

from __future__ import annotations

import json
from pathlib import Path

from toolkit import models as pkgs
from toolkit.output import write_stdout
from toolkit.records import (
    EXIT_ERRORS,
    EXIT_MISSING_RESOURCE,
    EXIT_OK,
    EXIT_USAGE,
    say,
)


def _say(line: str) -> None:
    say("models", line)


def _human_size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip()
                     for row in rows)


def _json_lines(rows) -> None:
    write_stdout("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))


def list_command(json_output: bool) -> int:
    packages = pkgs.installed_packages()
    for problem in pkgs.broken_packages():
        _say(f"skipping {problem}")
    if json_output:
        _json_lines(package.as_row() for package in packages)
        return EXIT_OK
    if not packages:
        _say(f"no packages installed in {pkgs.packages_dir()}; add one with "
             "`toolkit models install FILE.argosmodel`")
        return EXIT_OK
    rows = [["from", "to", "version", "size", "path"]]
    rows += [[p.from_code, p.to_code, p.version or "?", _human_size(p.size()), str(p.path)]
             for p in packages]
    write_stdout(_table(rows) + "\n")
    return EXIT_OK


def install_command(files: list[Path], force: bool) -> int:
    status = EXIT_OK
    for path in files:
        try:
            result = pkgs.install_package(path, force=force)
        except pkgs.PackageError as exc:
            _say(f"refused {exc}")
            status = EXIT_ERRORS
        except OSError as exc:
            _say(f"could not install {path}: {exc.strerror or exc}")
            status = EXIT_ERRORS
        else:
            _say(result.message)
    return status


def remove_command(specs: list[str]) -> int:
    status = EXIT_OK
    for spec in specs:
        removed = pkgs.remove_packages(spec)
        if not removed:
            _say(f"no installed package matches '{spec}' in {pkgs.packages_dir()}; "
                 "see `toolkit models list`")
            status = EXIT_ERRORS
        for package in removed:
            _say(f"removed {package.from_code}→{package.to_code} {package.version} "
                 f"({package.path})")
    return status


def pairs_command(json_output: bool) -> int:
    rows = pkgs.all_pairs(pkgs.installed_packages())
    if json_output:
        _json_lines(rows)
        return EXIT_OK
    if not rows:
        _say("no packages installed; nothing can be translated yet")
        return EXIT_OK
    table = [["from", "to", "via", "packages"]]
    table += [[r["from"], r["to"], r["pivot"] or "direct", " + ".join(r["packages"])]
              for r in rows]
    write_stdout(_table(table) + "\n")
    return EXIT_OK


def download_command(source: str, target: str, directory: Path, install: bool) -> int:
    try:
        path = pkgs.download_package(source.lower(), target.lower(), directory)
    except pkgs.PackageError as exc:
        _say(str(exc))
        return EXIT_ERRORS
    _say(f"downloaded {path}")
    return install_command([path], False) if install else EXIT_OK


def export_command(target: Path, specs: list[str]) -> int:
    from toolkit import bundle

    try:
        manifest = bundle.export_bundle(target, specs or None)
    except bundle.NothingToExport as exc:
        _say(str(exc))
        return EXIT_MISSING_RESOURCE
    except bundle.BundleError as exc:
        _say(f"refused {exc}")
        return EXIT_ERRORS
    # an output that cannot be written ends the command as every output does (2 or 5)
    names = ", ".join(f"{p['from']}→{p['to']} {p['version']}" for p in manifest["packages"])
    size = sum(p["size"] for p in manifest["packages"])
    _say(f"exported {len(manifest['packages'])} package(s) ({names}; {_human_size(size)}) "
         f"to {target}")
    return EXIT_OK


def import_command(source: Path, force: bool) -> int:
    from toolkit import bundle

    if not source.is_file():
        _say(f"{source}: no such file")
        return EXIT_USAGE
    try:
        outcomes = bundle.import_bundle(source, force=force)
    except (bundle.BundleError, pkgs.PackageError) as exc:
        _say(f"refused {exc}")
        return EXIT_ERRORS
    except OSError as exc:
        _say(f"could not import {source}: {exc.strerror or exc}; nothing was installed")
        return EXIT_ERRORS
    for outcome in outcomes:
        _say(outcome.message)
    return EXIT_OK
