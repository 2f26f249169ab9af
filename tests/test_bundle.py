"""`toolkit models export/import` and `toolkit doctor --bundle`: packages that travel
to an air-gapped server in one checked file."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest
from support.jsonl_cli import invoke

from toolkit import bundle

pytest_plugins = ["support.argos_fixtures"]


def tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` (hidden temporaries included) with its sha256."""
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def exported(installed, tmp_path, monkeypatch):
    """A bundle of the three installed test packages, and a second, empty packages folder
    that ARGOS_PACKAGES_DIR now points at."""
    path = tmp_path / "models.tar"
    result = invoke(["models", "export", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "exported 3 package(s)" in result.stderr
    second = tmp_path / "server-packages"
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(second))
    return path, installed, second


def test_export_then_import_gives_an_identical_tree(exported):
    path, original, second = exported
    result = invoke(["models", "import", str(path)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("installed at") == 3
    assert tree(second) == tree(original) and len(tree(second)) >= 12
    listed = invoke(["models", "list", "--json"]).records
    assert [(r["from"], r["to"], r["version"]) for r in listed] == [
        ("ar", "en", "1.0"), ("en", "fr", "1.0"), ("fr", "en", "1.0")]


def test_reimport_is_a_no_op(exported):
    path, _, second = exported
    assert invoke(["models", "import", str(path)]).exit_code == 0
    marker = second / "translate-ar_en-1_0" / "marker"
    marker.write_text("kept")
    again = invoke(["models", "import", str(path)])
    assert again.exit_code == 0
    assert again.stderr.count("already installed") == 3
    assert marker.read_text() == "kept"


def test_the_manifest_lists_every_file_with_its_checksum(exported):
    path, original, _ = exported
    manifest = bundle.read_manifest(path)
    assert manifest["toolkit"] and manifest["created"].endswith("Z")
    files = {f"{p['folder']}/{f['path']}": f["sha256"]
             for p in manifest["packages"] for f in p["files"]}
    assert files == tree(original)
    assert [(p["from"], p["to"], p["version"]) for p in manifest["packages"]] == [
        ("ar", "en", "1.0"), ("en", "fr", "1.0"), ("fr", "en", "1.0")]
    assert all(p["size"] == sum(f["size"] for f in p["files"]) for p in manifest["packages"])


def test_same_packages_same_bytes(installed, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first, second = tmp_path / "a.tar", tmp_path / "b.tar"
    assert invoke(["models", "export", str(first)]).exit_code == 0
    assert invoke(["models", "export", str(second)]).exit_code == 0
    assert first.read_bytes() == second.read_bytes()


def test_export_named_packages_only(installed, tmp_path):
    path = tmp_path / "ar.tar"
    assert invoke(["models", "export", str(path), "ar-en"]).exit_code == 0
    assert [p["folder"] for p in bundle.read_manifest(path)["packages"]] == [
        "translate-ar_en-1_0"]
    missing = invoke(["models", "export", str(tmp_path / "x.tar"), "de-en"])
    assert missing.exit_code == 3 and "de-en" in missing.stderr
    assert not (tmp_path / "x.tar").exists()


def test_export_with_nothing_installed_is_a_missing_resource(argos_env, tmp_path):
    result = invoke(["models", "export", str(tmp_path / "x.tar")])
    assert result.exit_code == 3
    assert "toolkit models install" in result.stderr


def refused(path: Path, second: Path, *words: str) -> None:
    result = invoke(["models", "import", str(path)])
    assert result.exit_code == 1, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert all(word in result.stderr for word in words), result.stderr
    assert tree(second) == {}
    assert not second.exists() or not list(second.iterdir())


def flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def data_offset(path: Path, name_end: str) -> int:
    with tarfile.open(path) as archive:
        info = next(m for m in archive.getmembers() if m.name.endswith(name_end))
        return info.offset_data + info.size // 2


def test_one_flipped_byte_in_a_model_is_refused_and_nothing_installed(exported):
    path, _, second = exported
    flip(path, data_offset(path, "translate-fr_en-1_0/model/model.bin"))
    refused(path, second, "model.bin", "checksum")


def test_one_flipped_byte_anywhere_else_is_refused(exported, tmp_path):
    path, _, second = exported
    pristine = path.read_bytes()
    manifest_byte = data_offset(path, "manifest.json")
    header_byte = 155  # the terminator of the first header's checksum, which tar ignores
    end_byte = len(pristine) - 100  # the zero blocks that end the archive
    for offset in (manifest_byte, header_byte, end_byte):
        path.write_bytes(pristine)
        flip(path, offset)
        refused(path, second)


@pytest.mark.parametrize("keep", [0.5, 0.999])
def test_a_truncated_bundle_is_refused(exported, keep):
    path, _, second = exported
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * keep)])
    refused(path, second, "truncated")


def test_not_a_bundle(exported, tmp_path):
    _, _, second = exported
    text = tmp_path / "notes.txt"
    text.write_text("not a tar")
    refused(text, second, "not a model bundle")
    assert invoke(["models", "import", str(tmp_path / "absent.tar")]).exit_code == 2


def handmade(path: Path, manifest: dict, members: list[tarfile.TarInfo],
             contents: dict[str, bytes]) -> None:
    """A bundle written by hand, with a manifest whose own checksum is right."""
    manifest["manifest_sha256"] = bundle._manifest_digest(manifest)
    data = json.dumps(manifest).encode()
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as archive:
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
        for member in members:
            archive.addfile(member, io.BytesIO(contents.get(member.name, b"")))


def evil_package(files: dict[str, bytes]) -> tuple[list[tarfile.TarInfo], dict[str, bytes]]:
    """Tar members and their contents for `files` as the package folder packages/evil."""
    contents = {f"packages/evil/{name}": data for name, data in files.items()}
    members = []
    for name, data in contents.items():
        info = tarfile.TarInfo(name)
        info.size = len(data)
        members.append(info)
    return members, contents


def one_package_manifest(files: dict[str, bytes], size: int | None = None) -> dict:
    entries = [{"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
               for name, data in files.items()]
    return {"format": bundle.FORMAT, "format_version": bundle.FORMAT_VERSION,
            "toolkit": "0", "created": "2026-01-01T00:00:00Z",
            "packages": [{"folder": "evil", "from": "ar", "to": "en", "version": "1.0",
                          "size": sum(e["size"] for e in entries) if size is None else size,
                          "files": entries}]}


LAYOUT = {"metadata.json": b"{}", "model/model.bin": b"x", "sentencepiece.model": b"y"}


def test_an_entry_escaping_the_packages_folder_is_refused(argos_env, tmp_path):
    path = tmp_path / "evil.tar"
    files = dict(LAYOUT, **{"../../escaped": b"owned"})
    manifest = one_package_manifest(LAYOUT)
    manifest["packages"][0]["files"].append(
        {"path": "x", "size": 5, "sha256": hashlib.sha256(b"owned").hexdigest()})
    manifest["packages"][0]["size"] += 5
    handmade(path, manifest, *evil_package(files))
    refused(path, argos_env, "outside the packages folder")
    assert not (tmp_path / "escaped").exists() and not (argos_env.parent / "escaped").exists()


def test_a_link_in_a_bundle_is_refused(argos_env, tmp_path):
    path = tmp_path / "link.tar"
    members, contents = evil_package(LAYOUT)
    link = next(m for m in members if m.name.endswith("/sentencepiece.model"))
    link.type, link.linkname, link.size = tarfile.SYMTYPE, "/etc/passwd", 0
    handmade(path, one_package_manifest(LAYOUT), members, contents)
    refused(path, argos_env, "not a regular file")


def test_an_absurd_size_is_refused_before_anything_is_read(argos_env, tmp_path):
    path = tmp_path / "huge.tar"
    files = dict(LAYOUT)
    manifest = one_package_manifest(files)
    manifest["packages"][0]["files"][1]["size"] = 5 << 30
    manifest["packages"][0]["size"] += (5 << 30) - 1
    handmade(path, manifest, *evil_package(files))
    refused(path, argos_env, "GiB")


def test_doctor_says_whether_this_machine_matches_a_bundle(exported):
    path, original, _ = exported
    missing = invoke(["doctor", "--from", "ar", "--bundle", str(path), "--json"])
    assert missing.exit_code == 3
    checks = [c for c in json.loads(missing.stdout)["checks"] if c["name"] == "bundle package"]
    assert sum("not installed" in c["detail"] for c in checks) == 3

    assert invoke(["models", "import", str(path)]).exit_code == 0
    matching = invoke(["doctor", "--from", "ar", "--bundle", str(path)])
    assert matching.exit_code == 0, matching.stdout
    assert matching.stdout.decode().count("matches") == 3

    assert invoke(["models", "remove", "en-fr"]).exit_code == 0
    newer = original.parent / "newer"
    from support.argos_package import build_package

    extra = build_package(newer, "de", "en")
    different = build_package(newer, "fr", "en", package_version="1.1")
    assert invoke(["models", "install", str(extra), str(different)]).exit_code == 0
    report = invoke(["doctor", "--from", "ar", "--bundle", str(path)])
    assert report.exit_code == 3
    out = report.stdout.decode()
    assert "en->fr 1.0 not installed" in out
    assert "fr->en 1.0 (installed: 1.1) differs" in out
    assert "de->en 1.0 installed but not in the bundle (extra)" in out


def test_a_bundle_that_cannot_be_written_ends_like_every_output(installed, tmp_path):
    """Through the one output path: a missing folder is bad usage (2), a full device a
    failed write (5); no partial bundle is left either way."""
    missing = invoke(["models", "export", str(tmp_path / "absent" / "models.tar")])
    assert missing.exit_code == 2 and "folder does not exist" in missing.stderr
    full = invoke(["models", "export", "/dev/full"])
    assert full.exit_code == 5 and "could not write" in full.stderr
    assert not (tmp_path / "absent").exists()


@pytest.mark.parametrize("args", [["models", "import", ""], ["models", "install", ""],
                                  ["models", "export", ""], ["doctor", "--bundle", ""]])
def test_an_empty_file_argument_is_a_usage_error_not_the_current_folder(args):
    result = invoke(args)
    assert result.exit_code == 2
    assert "empty argument" in result.stderr and "'.'" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_missing_bundle_still_says_no_such_file(tmp_path):
    result = invoke(["models", "import", str(tmp_path / "absent.tar")])
    assert result.exit_code == 2 and "no such file" in result.stderr
