"""argostranslate packages on disk: find, list, install, remove, route, download.

Reads installed packages the way argostranslate 1.9-1.11 does (same folder, same
settings), without importing argostranslate.translate or .package (stanza, torch,
seconds, and a sentence-splitter download). A package is a folder holding
`metadata.json`, a CTranslate2 model in `model/`, a tokenizer (`sentencepiece.model`,
or `bpe.model` for the Moses + BPE layout) and optionally a `stanza/`, `minisbd/` or
`spacy/` sentence splitter, which the toolkit does not need (it splits sentences itself).

An `.argosmodel` file is a zip of one such folder. `install_package` validates it
completely before writing anything, extracts it to a temporary folder beside the
packages and renames it into place.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

PIVOT = "en"
INDEX_URL = "https://raw.githubusercontent.com/argosopentech/argospm-index/main/"
PACKAGES_WEBSITE = "https://www.argosopentech.com/argospm/index/"
DOWNLOAD_TIMEOUT_S = 10.0


class PackageError(Exception):
    """A package file or folder that cannot be used; the message is one line for the user."""


# --- where packages live ----------------------------------------------------------------


def _home() -> Path:
    if "SNAP" in os.environ and os.environ.get("SNAP_USER_DATA"):
        return Path(os.environ["SNAP_USER_DATA"])
    return Path.home()


def _argos_setting(key: str) -> str | None:
    """An argostranslate setting: the environment first, then its settings.json."""
    value = os.environ.get(key)
    if value is not None:
        return value
    config = Path(os.environ.get("XDG_CONFIG_HOME") or _home() / ".config")
    settings_file = config / "argos-translate" / "settings.json"
    try:
        settings = json.loads(settings_file.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    value = settings.get(key) if isinstance(settings, dict) else None
    return None if value is None else str(value)


def packages_dir() -> Path:
    """Where argostranslate installs packages (and so where `models install` writes).

    ARGOS_PACKAGES_DIR (environment, or argos-translate/settings.json), else
    $XDG_DATA_HOME/argos-translate/packages, else ~/.local/share/argos-translate/packages.
    """
    configured = _argos_setting("ARGOS_PACKAGES_DIR")
    if configured:
        return Path(configured).expanduser()
    data = Path(os.environ.get("XDG_DATA_HOME") or _home() / ".local" / "share")
    return data / "argos-translate" / "packages"


def search_dirs() -> list[Path]:
    """Every folder argostranslate reads packages from: the packages folder, then snaps'."""
    dirs = [packages_dir()]
    if "SNAP" in os.environ:
        snap = Path(os.environ["SNAP"]) / "snap_custom"
        if (snap / "packages").is_dir():
            dirs.append(snap / "packages")
        content = snap / "content_snap_packages"
        if content.is_dir():
            dirs.extend(sorted(p for p in content.iterdir() if p.is_dir()))
    return dirs


# --- installed packages -----------------------------------------------------------------


@dataclass(frozen=True)
class Package:
    path: Path
    from_code: str
    to_code: str
    version: str
    argos_version: str = ""
    type: str = "translate"
    target_prefix: str = ""
    tokenizer: str = "sentencepiece"
    sentence_splitter: str | None = None
    metadata: dict = field(default_factory=dict, compare=False, repr=False, hash=False)

    @property
    def name(self) -> str:
        return self.path.name

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())

    def describe(self) -> dict:
        return {"package": self.name, "version": self.version, "from": self.from_code,
                "to": self.to_code}

    def as_row(self) -> dict:
        return {"from": self.from_code, "to": self.to_code, "version": self.version,
                "package": self.name, "size": self.size(), "path": str(self.path),
                "tokenizer": self.tokenizer, "target_prefix": self.target_prefix or None,
                "argos_version": self.argos_version or None}


def read_metadata(data: bytes | str, where: str) -> dict:
    try:
        metadata = json.loads(data)
    except ValueError as exc:
        raise PackageError(f"{where}: metadata.json is not valid JSON ({exc})") from None
    if not isinstance(metadata, dict):
        raise PackageError(f"{where}: metadata.json is not a JSON object")
    if metadata.get("type", "translate") != "translate":
        return metadata
    for key in ("from_code", "to_code"):
        if not isinstance(metadata.get(key), str) or not metadata[key].strip():
            raise PackageError(f"{where}: metadata.json has no '{key}'")
    return metadata


def load_package(path: Path) -> Package:
    """An installed package folder; PackageError when it is not a usable one."""
    try:
        metadata = read_metadata((path / "metadata.json").read_bytes(), str(path))
    except FileNotFoundError:
        raise PackageError(f"{path}: no metadata.json") from None
    tokenizer = ("sentencepiece" if (path / "sentencepiece.model").is_file()
                 else "bpe" if (path / "bpe.model").is_file() else "")
    splitter = next((name for name in ("minisbd", "stanza", "spacy") if (path / name).exists()),
                    None)
    return Package(
        path=path,
        from_code=str(metadata.get("from_code") or ""),
        to_code=str(metadata.get("to_code") or ""),
        version=str(metadata.get("package_version") or ""),
        argos_version=str(metadata.get("argos_version") or ""),
        type=str(metadata.get("type") or "translate"),
        target_prefix=str(metadata.get("target_prefix") or ""),
        tokenizer=tokenizer,
        sentence_splitter=splitter,
        metadata=metadata,
    )


def installed_packages(dirs: list[Path] | None = None) -> list[Package]:
    """Translation packages installed, sorted by pair then folder; broken folders skipped."""
    found = []
    for path in _package_folders(dirs):
        try:
            package = load_package(path)
        except (PackageError, OSError):
            continue
        if package.type == "translate" and package.tokenizer:
            found.append(package)
    return sorted(found, key=lambda p: (p.from_code, p.to_code, _version_key(p.version), p.name))


def broken_packages(dirs: list[Path] | None = None) -> list[str]:
    """One line per folder in the packages folder that is not a usable package."""
    problems = []
    for path in _package_folders(dirs):
        try:
            package = load_package(path)
        except (PackageError, OSError) as exc:
            problems.append(str(exc))
            continue
        if package.type == "translate" and not package.tokenizer:
            problems.append(f"{path}: no sentencepiece.model or bpe.model")
    return problems


def _package_folders(dirs: list[Path] | None) -> Iterator[Path]:
    """Each package folder in the packages folders, sorted; hidden ones (temporaries) left out."""
    for directory in dirs if dirs is not None else search_dirs():
        if directory.is_dir():
            for path in sorted(directory.iterdir()):
                if path.is_dir() and not path.name.startswith("."):
                    yield path


def _version_key(version: str):
    from packaging.version import InvalidVersion, Version

    try:
        return (1, Version(version), version)
    except InvalidVersion:
        return (0, Version("0"), version)


def best_packages(packages: list[Package]) -> dict[tuple[str, str], Package]:
    """The newest package for each (from, to) pair."""
    best: dict[tuple[str, str], Package] = {}
    for package in packages:
        key = (package.from_code, package.to_code)
        if key not in best or _version_key(package.version) > _version_key(best[key].version):
            best[key] = package
    return best


def find_route(source: str, target: str, packages: list[Package]) -> list[Package] | None:
    """The packages that take `source` to `target`: one, two through English, or None.

    A direct package wins; else a pivot through English; else through any other
    language (as argostranslate would), the first in alphabetical order.
    """
    best = best_packages(packages)
    if (source, target) in best:
        return [best[(source, target)]]
    middles = sorted({to for (frm, to) in best if frm == source} - {source, target},
                     key=lambda code: (code != PIVOT, code))
    for middle in middles:
        if (middle, target) in best:
            return [best[(source, middle)], best[(middle, target)]]
    return None


def all_pairs(packages: list[Package]) -> list[dict]:
    """Every translation the installed packages allow, pivots included."""
    best = best_packages(packages)
    languages = sorted({code for pair in best for code in pair})
    rows = []
    for source in languages:
        for target in languages:
            if source == target:
                continue
            route = find_route(source, target, packages)
            if route:
                rows.append({"from": source, "to": target,
                             "pivot": route[0].to_code if len(route) == 2 else None,
                             "packages": [p.name for p in route]})
    return rows


# --- install and remove -----------------------------------------------------------------


@dataclass(frozen=True)
class Install:
    status: str  # installed, replaced, unchanged
    package: Package
    message: str


def _safe_members(archive: zipfile.ZipFile, where: str) -> tuple[str, list[zipfile.ZipInfo]]:
    """The archive's one top folder and its entries; PackageError on anything unsafe."""
    members = archive.infolist()
    if not members:
        raise PackageError(f"{where}: empty archive")
    tops = set()
    for info in members:
        name = info.filename
        posix = PurePosixPath(name.replace("\\", "/"))
        if (name.startswith(("/", "\\")) or posix.is_absolute() or ".." in posix.parts
                or (len(name) > 1 and name[1] == ":")):
            raise PackageError(f"{where}: entry '{name}' would be written outside the "
                               "package folder; refusing the file")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise PackageError(f"{where}: entry '{name}' is a symbolic link; refusing the file")
        tops.add(posix.parts[0])
    if len(tops) != 1:
        raise PackageError(f"{where}: expected one package folder in the archive, found "
                           f"{len(tops)} top-level entries")
    top = tops.pop()
    if top in (".", "") or top.startswith("."):
        raise PackageError(f"{where}: bad package folder name '{top}'")
    return top, members


# An .argosmodel holds compressed model weights (about 1:1); these bounds refuse a zip
# bomb, and any package no real one resembles, before a byte of it is decompressed.
MAX_UNPACKED_BYTES = 4 << 30
MAX_RATIO = 100


def _check_sizes(path: Path, members: list[zipfile.ZipInfo], where: str) -> int:
    """The uncompressed size the archive's headers declare; PackageError when it is absurd
    (extraction never writes more than a header declares: zipfile stops there)."""
    unpacked = sum(info.file_size for info in members)
    packed = max(path.stat().st_size, 1)
    if unpacked > MAX_UNPACKED_BYTES:
        raise PackageError(f"{where}: would unpack to {unpacked / 2**30:,.1f} GiB, over the "
                           f"{MAX_UNPACKED_BYTES >> 30} GiB any translation package needs; "
                           "refusing the file")
    if unpacked > MAX_RATIO * packed:
        raise PackageError(f"{where}: would unpack to {unpacked:,} bytes from {packed:,} "
                           f"(over {MAX_RATIO}:1, a zip bomb's ratio, not a model's); refusing "
                           "the file")
    return unpacked


def _check_free_space(directory: Path, needed: int, where: str) -> None:
    existing = next(p for p in (directory, *directory.parents) if p.exists())
    free = shutil.disk_usage(existing).free
    if needed > free:
        raise PackageError(f"{where}: needs {needed:,} bytes unpacked but {existing} has only "
                           f"{free:,} free; free some space first")


def check_layout(files: set[str], top: str, where: str) -> None:
    """A package folder's files (relative paths) hold a model and a tokenizer."""
    if "model/model.bin" not in files:
        raise PackageError(f"{where}: no CTranslate2 model ({top}/model/model.bin)")
    if not {"sentencepiece.model", "bpe.model"} & files:
        raise PackageError(f"{where}: no tokenizer (sentencepiece.model or bpe.model)")


def inspect_archive(path: Path) -> tuple[str, dict, list[zipfile.ZipInfo]]:
    """Validate an .argosmodel file completely; return (folder name, metadata, entries)."""
    where = str(path)
    if not path.is_file():
        raise PackageError(f"{where}: no such file")
    if not zipfile.is_zipfile(path):
        raise PackageError(f"{where}: not a zip archive (truncated or not an .argosmodel); "
                           "download it again")
    try:
        with zipfile.ZipFile(path) as archive:
            top, members = _safe_members(archive, where)
            _check_sizes(path, members, where)
            names = {info.filename.replace("\\", "/").rstrip("/") for info in members}
            if f"{top}/metadata.json" not in names:
                raise PackageError(f"{where}: no {top}/metadata.json; not an argos package")
            metadata = read_metadata(archive.read(f"{top}/metadata.json"), where)
            if metadata.get("type", "translate") != "translate":
                raise PackageError(f"{where}: a '{metadata.get('type')}' package, not a "
                                   "translation package")
            check_layout({name[len(top) + 1:] for name in names}, top, where)
            bad = archive.testzip()
            if bad is not None:
                raise PackageError(f"{where}: entry '{bad}' is corrupt (CRC mismatch); "
                                   "download it again")
    except PackageError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
            NotImplementedError) as exc:
        raise PackageError(f"{where}: unreadable zip archive ({exc}); download it again") from None
    return top, metadata, members


def install_package(path: Path | str, directory: Path | None = None,
                    force: bool = False) -> Install:
    """Install one .argosmodel file; validated fully before anything is written."""
    path = Path(path)
    top, metadata, members = inspect_archive(path)
    directory = directory or packages_dir()
    version = str(metadata.get("package_version") or "")
    pair = (metadata["from_code"], metadata["to_code"])
    same_pair = [p for p in installed_packages([directory]) if (p.from_code, p.to_code) == pair]
    for existing in same_pair:
        if existing.version == version and not force:
            return Install("unchanged", existing, f"{pair[0]}→{pair[1]} {version or '?'} is "
                           f"already installed at {existing.path}; nothing to do")
        if _version_key(existing.version) > _version_key(version) and not force:
            raise PackageError(f"{path}: {pair[0]}→{pair[1]} {existing.version} is installed, "
                               f"newer than this file's {version}; pass --force to downgrade")
    _check_free_space(directory, sum(info.file_size for info in members), str(path))
    directory.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".install-", dir=directory))
    try:
        with zipfile.ZipFile(path) as archive:
            _extract(archive, members, staging)
        new_path = directory / top
        for existing in same_pair:
            if existing.path != new_path:
                shutil.rmtree(existing.path)
        if new_path.exists():
            old = Path(tempfile.mkdtemp(prefix=".old-", dir=directory))
            new_path.rename(old / top)
            (staging / top).rename(new_path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            (staging / top).rename(new_path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    package = load_package(new_path)
    replaced = [p.version for p in same_pair]
    if replaced:
        return Install("replaced", package, f"{pair[0]}→{pair[1]} {version} installed at "
                       f"{new_path}, replacing {', '.join(replaced)}")
    return Install("installed", package, f"{pair[0]}→{pair[1]} {version} installed at {new_path}")


def _extract(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], staging: Path) -> None:
    for info in members:
        target = staging.joinpath(*PurePosixPath(info.filename.replace("\\", "/")).parts)
        if info.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(info) as source, open(target, "wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)


def match_packages(spec: str, packages: list[Package]) -> list[Package]:
    """Packages named by `spec`: a pair (fr-en, fr_en, fr:en), a folder name or a path."""
    for sep in ("-", "_", ":", "→"):
        parts = spec.split(sep)
        if len(parts) == 2 and all(len(p) in (2, 3) and p.isalpha() for p in parts):
            return [p for p in packages if (p.from_code, p.to_code) == (parts[0], parts[1])]
    return [p for p in packages if spec in (p.name, str(p.path))]


def remove_packages(spec: str) -> list[Package]:
    packages = installed_packages([packages_dir()])
    chosen = match_packages(spec, packages)
    for package in chosen:
        shutil.rmtree(package.path)
    return chosen


# --- download (only when the user asks) -------------------------------------------------


def index_url() -> str:
    base = _argos_setting("ARGOS_PACKAGE_INDEX") or INDEX_URL
    return base if base.endswith(".json") else base.rstrip("/") + "/index.json"


def _resolve_within(url: str, timeout: float) -> None:
    """Look the host up in a thread: a dead DNS server must not hang past the timeout."""
    import socket
    import threading
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname
    if not host:
        return
    outcome: list[BaseException | None] = []

    def lookup() -> None:
        try:
            socket.getaddrinfo(host, 443)
            outcome.append(None)
        except OSError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=lookup, daemon=True)
    worker.start()
    worker.join(timeout)
    if not outcome:
        raise OSError(f"looking up {host} took over {timeout:.0f}s")
    if outcome[0] is not None:
        raise outcome[0]


def _fetch(url: str, timeout: float) -> bytes:
    import urllib.request

    _resolve_within(url, timeout)
    request = urllib.request.Request(url, headers={"User-Agent": "ArgosTranslate"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read()


def download_package(source: str, target: str, directory: Path,
                     timeout: float = DOWNLOAD_TIMEOUT_S) -> Path:
    """Fetch the argos index and the package for source→target into `directory`.

    Fails within about `timeout` seconds per request with a PackageError when the
    network is unreachable; never retries forever.
    """
    url = index_url()
    try:
        index = json.loads(_fetch(url, timeout))
    except OSError as exc:
        raise PackageError(f"cannot reach the package index {url} ({_reason(exc)}); on a "
                           f"machine with internet download the .argosmodel file from "
                           f"{PACKAGES_WEBSITE}, copy it here and run `toolkit models "
                           f"install FILE.argosmodel`") from None
    except ValueError:
        raise PackageError(f"the package index {url} is not JSON") from None
    entries = [e for e in index if isinstance(e, dict) and e.get("from_code") == source
               and e.get("to_code") == target and e.get("type", "translate") == "translate"]
    if not entries:
        raise PackageError(f"the package index lists no {source}→{target} package; "
                           f"`toolkit models pairs` shows what a pivot can do")
    entry = max(entries, key=lambda e: _version_key(str(e.get("package_version", ""))))
    version = str(entry.get("package_version", "0")).replace(".", "_")
    target_file = directory / f"translate-{source}_{target}-{version}.argosmodel"
    errors = []
    for link in entry.get("links") or []:
        try:
            data = _fetch(link, timeout * 30)
        except OSError as exc:
            errors.append(f"{link}: {_reason(exc)}")
            continue
        directory.mkdir(parents=True, exist_ok=True)
        partial = target_file.with_suffix(".partial")
        partial.write_bytes(data)
        partial.replace(target_file)
        return target_file
    raise PackageError(f"could not download {source}→{target}: " + ("; ".join(errors) or
                                                                    "no links in the index"))


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason or exc) or type(exc).__name__
