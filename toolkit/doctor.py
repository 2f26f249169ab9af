"""`toolkit doctor`: can this machine do the nightly job offline?

Checks, without loading any model and without importing argostranslate.translate:
the translation packages installed and the pairs they reach (pivots through English),
that every pair the job needs (`--from` languages to `--to`) is reachable, the
resources each stage declares (a stage module may offer `doctor_checks()` returning
Check-like dicts), the toolkit's data files, and the versions of the libraries.

Exit status 0 when everything needed is present, 3 when something is missing.
"""

from __future__ import annotations

import gzip
import importlib
import json
import sys
from dataclasses import asdict, dataclass
from importlib import metadata, resources
from typing import Any

from toolkit import __version__
from toolkit.records import EXIT_MISSING_RESOURCE, EXIT_OK

STAGE_MODULES = ("ingest", "detect", "translate", "summarize", "extract", "export")
# Libraries a run may use beyond the declared dependencies (optional extras).
OPTIONAL_LIBRARIES = ("ctranslate2", "sentencepiece", "dask", "distributed", "spacy")


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""
    fix: str = ""


def pair_checks(sources: list[str], to: str) -> tuple[list[Check], list[dict], list[dict]]:
    """Is every `source -> to` reachable? Also the packages and every reachable pair."""
    from toolkit import models

    packages = models.installed_packages()
    checks = []
    for source in sources:
        if source == to:
            continue
        route = models.find_route(source, to, packages)
        if route:
            how = " + ".join(f"{p.name} {p.version}" for p in route)
            via = f" (pivot {route[0].to_code})" if len(route) == 2 else ""
            checks.append(Check(f"translate {source}->{to}", True, how + via))
        else:
            checks.append(Check(f"translate {source}->{to}", False, "no package or pivot",
                                _missing_model_fix(source, to)))
    for problem in models.broken_packages():
        checks.append(Check("package folder", False, problem,
                            "remove it with `toolkit models remove` and install it again"))
    return checks, [p.describe() for p in packages], models.all_pairs(packages)


def _missing_model_fix(source: str, to: str) -> str:
    try:
        from toolkit.translate import missing_model_message

        return missing_model_message(source, to)
    except Exception:  # noqa: BLE001 - the doctor must answer even with a broken stage
        return f"toolkit models install translate-{source}_{to}.argosmodel"


def stage_checks() -> list[Check]:
    """Each stage module's own resource checks (`doctor_checks()`), or that it imports."""
    checks = []
    for stage in STAGE_MODULES:
        try:
            module = importlib.import_module(f"toolkit.{stage}")
        except ImportError as exc:
            checks.append(Check(f"stage {stage}", False, f"cannot import: {exc}",
                                "reinstall the toolkit: pip install -e ."))
            continue
        hook = getattr(module, "doctor_checks", None)
        if hook is None:
            checks.append(Check(f"stage {stage}", True, "imports"))
            continue
        try:
            found = hook()
        except Exception as exc:  # noqa: BLE001 - a broken check is a finding, not a crash
            checks.append(Check(f"stage {stage}", False, f"check failed: {exc}"))
            continue
        for item in found:
            checks.append(item if isinstance(item, Check) else Check(**item))
    return checks


# Files the stages read from installed libraries (found without importing them).
LIBRARY_FILES = (
    ("detect", "py3langid", "data/model.npz.xz", "language identification model"),
    ("summarize", "sumy", "data/stopwords/arabic.txt", "stop words ar"),
    ("summarize", "sumy", "data/stopwords/french.txt", "stop words fr"),
    ("summarize", "sumy", "data/stopwords/english.txt", "stop words en"),
    ("summarize", "nltk", "stem/snowball.py", "Snowball stemmers (code, no NLTK data)"),
    ("summarize", "nltk", "stem/isri.py", "ISRI Arabic stemmer (code, no NLTK data)"),
)


def library_file_checks() -> list[Check]:
    """Resources that ship inside libraries: present, and nothing to download."""
    from importlib.util import find_spec
    from pathlib import Path

    checks = []
    for stage, package, relative, what in LIBRARY_FILES:
        spec = find_spec(package)
        folders = list(spec.submodule_search_locations or []) if spec else []
        found = any((Path(folder) / relative).is_file() for folder in folders)
        checks.append(Check(f"{stage}: {what}", found,
                            f"{package}/{relative}" if found else f"{package} lacks {relative}",
                            "" if found else f"pip install --force-reinstall {package}"))
    checks.append(Check("NLTK data", True, "not needed: sentences come from toolkit.sentences"))
    return checks


def data_checks() -> list[Check]:
    """The toolkit's bundled data files (gazetteers, abbreviations...) parse."""
    checks = []
    folder = resources.files("toolkit.data")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith((".json", ".json.gz")):
            continue
        try:
            raw = entry.read_bytes()
            json.loads(gzip.decompress(raw) if entry.name.endswith(".gz") else raw)
            checks.append(Check(f"data {entry.name}", True, "bundled"))
        except (OSError, ValueError) as exc:
            checks.append(Check(f"data {entry.name}", False, str(exc),
                                "reinstall the toolkit: pip install -e ."))
    return checks


def library_versions() -> tuple[dict[str, str | None], list[Check]]:
    """Versions of the toolkit's declared dependencies and optional libraries."""
    from packaging.requirements import Requirement

    versions: dict[str, str | None] = {"toolkit": __version__, "python": sys.version.split()[0]}
    checks = []
    for spec in metadata.requires("toolkit") or []:
        requirement = Requirement(spec)
        if requirement.marker is not None:  # an extra (dev, dask): optional
            continue
        version = _version(requirement.name)
        versions[requirement.name] = version
        if version is None:
            checks.append(Check(f"library {requirement.name}", False, "not installed",
                                f"pip install '{spec}'"))
    for name in OPTIONAL_LIBRARIES:
        versions.setdefault(name, _version(name))
    return versions, checks


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def diagnose(to: str = "en", sources: list[str] | None = None,
             bundle: str | None = None) -> dict[str, Any]:
    """The diagnosis; language codes are read as `translate` reads them (EN, en-US: en),
    and one it would refuse is a ValueError here too."""
    from toolkit.translate import language_code

    if sources is not None and not sources:
        raise ValueError("--from needs at least one language code, e.g. ar,fr,en")
    to = language_code(to, "--to")
    sources = [language_code(code, "--from") for code in sources or ["ar", "fr", "en"]]
    pairs, packages, reachable = pair_checks(sources, to)
    versions, library_problems = library_versions()
    checks = (pairs + stage_checks() + library_file_checks() + data_checks()
              + library_problems + _bundle_checks(bundle))
    return {
        "ready": all(check.ok for check in checks),
        "to": to,
        "from": sources,
        "checks": [asdict(check) for check in checks],
        "packages": packages,
        "pairs": reachable,
        "versions": versions,
        "network_needed": False,
    }


def _bundle_checks(bundle: str | None) -> list[Check]:
    """Does this machine hold exactly the packages of a bundle (`models export`)?"""
    if not bundle:
        return []
    from toolkit.bundle import doctor_checks

    return [Check(**check) for check in doctor_checks(bundle)]


def format_diagnosis(result: dict[str, Any]) -> str:
    missing = [c for c in result["checks"] if not c["ok"]]
    head = ("ready: this machine can run the job offline"
            if result["ready"] else f"NOT ready: {len(missing)} thing(s) missing")
    lines = [f"toolkit doctor: {head} ({', '.join(result['from'])} -> {result['to']})", ""]
    lines.append("checks:")
    for check in result["checks"]:
        mark = "ok     " if check["ok"] else "MISSING"
        lines.append(f"  {mark} {check['name']}: {check['detail']}".rstrip(": "))
        if not check["ok"] and check["fix"]:
            lines.append(f"          fix: {check['fix']}")
    lines.append("")
    lines.append("installed packages:" + ("" if result["packages"] else " none"))
    for package in result["packages"]:
        lines.append(f"  {package['from']} -> {package['to']}  {package['package']} "
                     f"{package['version']}")
    lines.append("reachable pairs:" + ("" if result["pairs"] else " none"))
    for pair in result["pairs"]:
        via = f" (via {pair['pivot']})" if pair["pivot"] else ""
        lines.append(f"  {pair['from']} -> {pair['to']}{via}")
    lines.append("versions:")
    for name, version in result["versions"].items():
        lines.append(f"  {name} {version or '(not installed)'}")
    return "\n".join(lines) + "\n"


def doctor(to: str = "en", sources: list[str] | None = None, as_json: bool = False,
           bundle: str | None = None) -> int:
    """Print the diagnosis on stdout (the command's output); return 0 or 3."""
    result = diagnose(to, sources, bundle)
    from toolkit.output import write_stdout

    if as_json:
        write_stdout(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    else:
        write_stdout(format_diagnosis(result))
    return EXIT_OK if result["ready"] else EXIT_MISSING_RESOURCE
