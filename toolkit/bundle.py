"""Model bundles: the installed argos packages in one file that travels to an air-gapped server.

A bundle is a plain (uncompressed: model weights do not compress) tar holding
`manifest.json` first, then `packages/<folder>/<file>` for each package. The manifest
names every package (pair, version, size) and every file with its size and sha256,
with the toolkit's version and when it was made. Members are sorted, owned by nobody
and dated 0, so the same packages give the same bytes apart from `created`
(SOURCE_DATE_EPOCH fixes that too).

`import_bundle` reads every header first (names, types, sizes), then unpacks into a
hidden folder beside the packages while hashing, and renames the packages into place
only when every file matched its checksum: a truncated, partial, padded or tampered
bundle installs nothing. A package already installed at the same version is left alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from toolkit import __version__
from toolkit import models as pkgs

FORMAT = "toolkit-models-bundle"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 16 << 20
CHUNK = 1 << 20


class BundleError(Exception):
    """A bundle that cannot be used; the message is one line for the user."""


class NothingToExport(BundleError):
    """No installed package (or none matching what was named): a missing resource."""


# --- export -----------------------------------------------------------------------------


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def package_entry(package: pkgs.Package) -> dict:
    """A package as the manifest describes it: pair, version, size, each file's sha256."""
    files = []
    for path in sorted(package.path.rglob("*"), key=lambda p: p.relative_to(package.path).as_posix()):
        relative = path.relative_to(package.path).as_posix()
        if path.is_symlink():
            raise BundleError(f"{path}: a symbolic link inside a package; not bundled")
        if path.is_file():
            files.append({"path": relative, "size": path.stat().st_size,
                          "sha256": _sha256_file(path)})
    return {"folder": package.name, "from": package.from_code, "to": package.to_code,
            "version": package.version, "size": sum(f["size"] for f in files), "files": files}


def choose_packages(specs: list[str] | None) -> list[pkgs.Package]:
    """The installed packages named (pairs or folder names), or all of them."""
    installed = pkgs.installed_packages()
    if not installed:
        raise NothingToExport(f"no packages installed in {pkgs.packages_dir()}; install them "
                              "with `toolkit models install FILE.argosmodel` first")
    chosen = installed
    if specs:
        chosen = []
        for spec in specs:
            found = pkgs.match_packages(spec, installed)
            if not found:
                raise NothingToExport(f"no installed package matches '{spec}'; see "
                                      "`toolkit models list`")
            chosen += [p for p in found if p not in chosen]
    unique: dict[str, pkgs.Package] = {}
    for package in chosen:  # the same folder name in two search folders: the first wins
        unique.setdefault(package.name, package)
    return sorted(unique.values(), key=lambda p: p.name)


def _created() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch and epoch.isdigit()
              else dt.datetime.now(dt.UTC).replace(microsecond=0))
    return moment.isoformat().replace("+00:00", "Z")


def _manifest_digest(manifest: dict) -> str:
    """sha256 of the manifest without this field: a damaged `created` or version is caught too."""
    body = {key: value for key, value in manifest.items() if key != "manifest_sha256"}
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True)
                          .encode("utf-8")).hexdigest()


def _tar_info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o644, 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def export_bundle(target: Path | str, specs: list[str] | None = None) -> dict:
    """Write the bundle to `target` through the one output path (a temporary file renamed
    when complete, a device or FIFO written through); return its manifest."""
    target = Path(target)
    packages = choose_packages(specs)
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "toolkit": __version__,
                "created": _created(), "packages": [package_entry(p) for p in packages]}
    manifest["manifest_sha256"] = _manifest_digest(manifest)
    data = (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    from toolkit.output import Output

    with (Output(target, flag="models export") as stream,
          tarfile.open(fileobj=stream, mode="w|", format=tarfile.PAX_FORMAT) as archive):
        archive.addfile(_tar_info(MANIFEST, len(data)), io.BytesIO(data))
        for package, entry in zip(packages, manifest["packages"]):
            for file in entry["files"]:
                with open(package.path / file["path"], "rb") as handle:
                    archive.addfile(_tar_info(f"packages/{package.name}/{file['path']}",
                                              file["size"]), handle)
    return manifest


# --- reading a bundle -------------------------------------------------------------------


def _open(path: Path) -> tarfile.TarFile:
    if not path.is_file():
        raise FileNotFoundError(path)
    try:
        return tarfile.open(path, "r:")
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BundleError(f"{path}: not a model bundle (not a tar archive: {exc}); make it "
                          "with `toolkit models export`") from None


def _parse_manifest(data: bytes, where: str) -> dict:
    try:
        manifest = json.loads(data)
    except ValueError:
        raise BundleError(f"{where}: manifest.json is not valid JSON; the bundle is damaged")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleError(f"{where}: manifest.json is not a toolkit model bundle's")
    if manifest.get("manifest_sha256") != _manifest_digest(manifest):
        raise BundleError(f"{where}: manifest.json does not match its checksum (damaged or "
                          "altered); refusing the bundle")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BundleError(f"{where}: bundle format {manifest.get('format_version')!r}; this "
                          f"toolkit reads format {FORMAT_VERSION}")
    packages = manifest.get("packages")
    if not isinstance(packages, list):
        raise BundleError(f"{where}: manifest.json lists no packages")
    folders = set()
    for entry in packages:
        try:
            folder = entry["folder"]
            files = entry["files"]
            ok = (isinstance(folder, str) and _plain_name(folder) and folder not in folders
                  and isinstance(files, list) and all(isinstance(entry[k], str) for k in
                                                      ("from", "to", "version"))
                  and isinstance(entry["size"], int)
                  and entry["size"] == sum(f["size"] for f in files)
                  and all(_safe_relative(f["path"]) for f in files)
                  and all(isinstance(f["path"], str) and isinstance(f["size"], int)
                          and f["size"] >= 0 and isinstance(f["sha256"], str) for f in files))
        except (KeyError, TypeError):
            ok = False
        if not ok:
            raise BundleError(f"{where}: manifest.json has a malformed package entry")
        folders.add(folder)
    return manifest


def _plain_name(name: str) -> bool:
    return bool(name) and name not in (".", "..") and not name.startswith(".") and \
        "/" not in name and "\\" not in name


def _safe_relative(path: str) -> bool:
    parts = PurePosixPath(path).parts
    return bool(parts) and not path.startswith("/") and "\\" not in path and ".." not in parts


def read_manifest(path: Path | str) -> dict:
    """The manifest alone (the first member), without reading the rest of the bundle."""
    path = Path(path)
    with _open(path) as archive:
        try:
            first = archive.next()
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise BundleError(f"{path}: unreadable bundle ({exc})") from None
        if first is None or first.name != MANIFEST or not first.isreg():
            raise BundleError(f"{path}: no manifest.json at the start; not a model bundle")
        if first.size > MAX_MANIFEST_BYTES:
            raise BundleError(f"{path}: manifest.json of {first.size:,} bytes; refusing it")
        try:
            handle = archive.extractfile(first)
            data = handle.read() if handle else b""
        except (tarfile.TarError, EOFError, OSError):
            data = b""
        if len(data) != first.size:
            raise BundleError(f"{path}: truncated (manifest.json cut short)")
    return _parse_manifest(data, str(path))


def _check_members(path: Path, archive: tarfile.TarFile, manifest: dict) -> dict[str, tarfile.TarInfo]:
    """Every member's header: a regular file the manifest lists, inside its package
    folder, of the size it lists, whole in the file; nothing missing, nothing extra."""
    where = str(path)
    try:
        members = archive.getmembers()
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BundleError(f"{where}: truncated or damaged ({exc}); copy it again") from None
    expected = {f"packages/{entry['folder']}/{file['path']}": file
                for entry in manifest["packages"] for file in entry["files"]}
    for entry in manifest["packages"]:
        if entry["size"] > pkgs.MAX_UNPACKED_BYTES:
            raise BundleError(f"{where}: package {entry['folder']} would unpack to "
                              f"{entry['size'] / 2**30:,.1f} GiB, over the "
                              f"{pkgs.MAX_UNPACKED_BYTES >> 30} GiB any translation package "
                              "needs; refusing the bundle")
        try:
            pkgs.check_layout({f["path"] for f in entry["files"]}, entry["folder"], where)
        except pkgs.PackageError as exc:
            raise BundleError(str(exc)) from None
    file_size = path.stat().st_size
    found: dict[str, tarfile.TarInfo] = {}
    for info in members[1:]:
        name = info.name
        parts = PurePosixPath(name).parts
        if (name.startswith("/") or "\\" in name or ".." in parts or len(parts) < 3
                or parts[0] != "packages"):
            raise BundleError(f"{where}: entry '{name}' would be written outside the packages "
                              "folder; refusing the bundle")
        if not info.isreg():
            raise BundleError(f"{where}: entry '{name}' is not a regular file (link, device or "
                              "sparse file); refusing the bundle")
        if name not in expected or name in found:
            raise BundleError(f"{where}: entry '{name}' is not in the manifest (or twice); "
                              "refusing the bundle")
        if info.size != expected[name]["size"]:
            raise BundleError(f"{where}: '{name}' holds {info.size:,} bytes, the manifest says "
                              f"{expected[name]['size']:,}; refusing the bundle")
        if info.offset_data + info.size > file_size:
            raise BundleError(f"{where}: truncated ('{name}' is cut short); copy it again")
        found[name] = info
    if file_size % tarfile.BLOCKSIZE or members[-1].offset_data + members[-1].size \
            > file_size - 2 * tarfile.BLOCKSIZE:
        raise BundleError(f"{where}: truncated (the archive's end is missing); copy it again")
    _check_headers(path, archive, members)
    _check_gaps(path, members)
    missing = sorted(set(expected) - set(found))
    if missing:
        raise BundleError(f"{where}: partial bundle: {len(missing)} file(s) of the manifest "
                          f"are absent (first: '{missing[0]}'); copy it again")
    return found


def _check_headers(path: Path, archive: tarfile.TarFile, members: list[tarfile.TarInfo]) -> None:
    """Each header is byte for byte what `export_bundle` writes for it: fields tarfile
    would read past (a checksum's terminator, unused bytes) cannot hide a change."""
    with open(path, "rb") as handle:
        for info in members:
            handle.seek(info.offset)
            raw = handle.read(info.offset_data - info.offset)
            if raw != info.tobuf(archive.format, archive.encoding, archive.errors):
                raise BundleError(f"{path}: the header of '{info.name}' was altered; refusing "
                                  "the bundle")


def _check_gaps(path: Path, members: list[tarfile.TarInfo]) -> None:
    """The bytes no header or file owns (block padding, the end-of-archive blocks) are
    zeros: a byte altered or added anywhere in the bundle is caught, not only in files."""
    gaps = []
    for info, following in zip(members, members[1:] + [None]):
        end = info.offset_data + info.size
        gaps.append((info.name, end, following.offset if following else path.stat().st_size))
    with open(path, "rb") as handle:
        for name, start, stop in gaps:
            handle.seek(start)
            remaining = stop - start
            while remaining > 0:
                block = handle.read(min(CHUNK, remaining))
                if not block:
                    break
                if block.count(0) != len(block):
                    raise BundleError(f"{path}: altered or extra bytes after "
                                      f"'{name}' (offset {start:,}); refusing the bundle")
                remaining -= len(block)


# --- import -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    folder: str
    status: str  # installed, replaced, unchanged
    message: str


def _plan(manifest: dict, directory: Path, force: bool, where: str) -> list[tuple[dict, list]]:
    """For each bundled package, the installed packages of its pair it replaces; a
    package installed at the same version is dropped from the plan (nothing to do)."""
    installed = pkgs.installed_packages([directory])
    plan = []
    for entry in manifest["packages"]:
        same_pair = [p for p in installed if (p.from_code, p.to_code) == (entry["from"], entry["to"])]
        if any(p.version == entry["version"] for p in same_pair) and not force:
            continue
        newer = [p for p in same_pair
                 if pkgs._version_key(p.version) > pkgs._version_key(entry["version"])]
        if newer and not force:
            raise BundleError(f"{where}: {entry['from']}→{entry['to']} {newer[0].version} is "
                              f"installed, newer than the bundle's {entry['version']}; pass "
                              "--force to install the bundle's set exactly")
        plan.append((entry, same_pair))
    return plan


def _unpack_verified(archive: tarfile.TarFile, members: dict[str, tarfile.TarInfo],
                     entries: list[dict], staging: Path, where: str) -> None:
    """Write the planned packages' files under `staging`, hashing as they stream;
    BundleError at the first file whose sha256 differs from the manifest's."""
    for entry in entries:
        for file in entry["files"]:
            name = f"packages/{entry['folder']}/{file['path']}"
            target = staging.joinpath(entry["folder"], *PurePosixPath(file["path"]).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            try:
                source = archive.extractfile(members[name])
                with source, open(target, "wb") as out:
                    while block := source.read(CHUNK):
                        digest.update(block)
                        out.write(block)
            except (tarfile.TarError, EOFError) as exc:
                raise BundleError(f"{where}: '{name}' is unreadable ({exc}); copy it again") \
                    from None
            if digest.hexdigest() != file["sha256"]:
                raise BundleError(f"{where}: '{name}' does not match its checksum (damaged or "
                                  "altered); nothing was installed")


def _check_metadata(staging: Path, entry: dict, where: str) -> None:
    package = pkgs.load_package(staging / entry["folder"])
    if (package.from_code, package.to_code, package.version) != \
            (entry["from"], entry["to"], entry["version"]):
        raise BundleError(f"{where}: {entry['folder']}'s metadata.json does not say what the "
                          "manifest says; refusing the bundle")


def import_bundle(path: Path | str, directory: Path | None = None,
                  force: bool = False) -> list[Outcome]:
    """Install a bundle's packages; nothing is installed unless every file checks out."""
    path = Path(path)
    where = str(path)
    manifest = read_manifest(path)
    directory = directory or pkgs.packages_dir()
    with _open(path) as archive:
        members = _check_members(path, archive, manifest)
        plan = _plan(manifest, directory, force, where)
        entries = [entry for entry, _ in plan]
        skipped = [e for e in manifest["packages"] if e not in entries]
        outcomes = [Outcome(e["folder"], "unchanged", f"{e['from']}→{e['to']} {e['version']} "
                            "is already installed; nothing to do") for e in skipped]
        if not plan:
            return outcomes
        pkgs._check_free_space(directory, sum(e["size"] for e in entries), where)
        directory.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".import-", dir=directory))
        try:
            _unpack_verified(archive, members, entries, staging, where)
            for entry in entries:
                try:
                    _check_metadata(staging, entry, where)
                except pkgs.PackageError as exc:
                    raise BundleError(str(exc)) from None
            outcomes += _move_into_place(plan, staging, directory)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return outcomes


def _move_into_place(plan: list[tuple[dict, list]], staging: Path,
                     directory: Path) -> list[Outcome]:
    """Renames only (same file system): each package appears whole or not at all."""
    outcomes = []
    trash = staging / ".replaced"
    trash.mkdir()
    for number, (entry, same_pair) in enumerate(plan):
        new_path = directory / entry["folder"]
        for index, old in enumerate(sorted({p.path for p in same_pair} | {new_path})):
            if old.exists():
                old.rename(trash / f"{number}-{index}")
        (staging / entry["folder"]).rename(new_path)
        pair = f"{entry['from']}→{entry['to']} {entry['version']}"
        if same_pair:
            replaced = ", ".join(p.version for p in same_pair)
            outcomes.append(Outcome(entry["folder"], "replaced",
                                    f"{pair} installed at {new_path}, replacing {replaced}"))
        else:
            outcomes.append(Outcome(entry["folder"], "installed", f"{pair} installed at {new_path}"))
    return outcomes


# --- compare with this machine (toolkit doctor --bundle) --------------------------------


def compare(path: Path | str) -> dict[str, list[str]]:
    """What differs between the installed packages and the bundle's manifest: `missing`
    (a bundled pair not installed), `different` (another version, or the same version
    with other files), `extra` (installed, not in the bundle), `matching`."""
    manifest = read_manifest(path)
    installed = {(p.from_code, p.to_code): p for p in pkgs.installed_packages()}
    report: dict[str, list[str]] = {"missing": [], "different": [], "extra": [], "matching": []}
    bundled = set()
    for entry in manifest["packages"]:
        pair = (entry["from"], entry["to"])
        bundled.add(pair)
        label = f"{pair[0]}->{pair[1]} {entry['version']}"
        package = installed.get(pair)
        if package is None:
            report["missing"].append(label)
        elif package.version != entry["version"]:
            report["different"].append(f"{label} (installed: {package.version})")
        elif package_entry(package)["files"] != entry["files"]:
            report["different"].append(f"{label} (same version, other files)")
        else:
            report["matching"].append(label)
    report["extra"] = [f"{p.from_code}->{p.to_code} {p.version}"
                       for pair, p in sorted(installed.items()) if pair not in bundled]
    return report


def doctor_checks(path: Path | str) -> list[dict]:
    """`toolkit doctor --bundle`: one check per difference (extra packages are reported
    but do not fail: they do not stop the bundle's set from running)."""
    fix = f"toolkit models import {path}"
    try:
        report = compare(path)
    except (BundleError, OSError) as exc:
        detail = f"{path}: no such file" if isinstance(exc, FileNotFoundError) else str(exc)
        return [{"name": "bundle", "ok": False, "detail": detail,
                 "fix": "make it with `toolkit models export BUNDLE` on the reference machine"}]
    checks = [{"name": "bundle package", "ok": True, "detail": f"{label} matches"}
              for label in report["matching"]]
    checks += [{"name": "bundle package", "ok": False, "detail": f"{label} not installed",
                "fix": fix} for label in report["missing"]]
    checks += [{"name": "bundle package", "ok": False, "detail": f"{label} differs",
                "fix": fix + " --force"} for label in report["different"]]
    checks += [{"name": "bundle package", "ok": True,
                "detail": f"{label} installed but not in the bundle (extra)"}
               for label in report["extra"]]
    return checks
