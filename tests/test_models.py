"""`toolkit models`: install, list, remove, pairs, download, and refusing bad packages."""

from __future__ import annotations

import json
import socket
import zipfile

import pytest
from support.argos_package import build_package, write_zip
from typer.testing import CliRunner

from toolkit import models
from toolkit.cli import app

pytest_plugins = ["support.argos_fixtures"]
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, ["models", *args])


def test_install_list_pairs_remove(argos_env, package_files):
    result = invoke("install", *map(str, package_files.values()))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in argos_env.iterdir()) == [
        "translate-ar_en-1_0", "translate-en_fr-1_0", "translate-fr_en-1_0"]

    listed = invoke("list", "--json")
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(r["from"], r["to"], r["version"]) for r in rows] == [
        ("ar", "en", "1.0"), ("en", "fr", "1.0"), ("fr", "en", "1.0")]
    assert all(r["size"] > 0 and r["path"].startswith(str(argos_env)) for r in rows)
    assert "ar" in invoke("list").stdout

    pairs = [json.loads(line) for line in invoke("pairs", "--json").stdout.splitlines()]
    assert {"from": "ar", "to": "fr", "pivot": "en",
            "packages": ["translate-ar_en-1_0", "translate-en_fr-1_0"]} in pairs
    assert {(p["from"], p["to"]) for p in pairs} == {
        ("ar", "en"), ("ar", "fr"), ("en", "fr"), ("fr", "en")}

    removed = invoke("remove", "fr-en")
    assert removed.exit_code == 0
    assert not (argos_env / "translate-fr_en-1_0").exists()
    assert invoke("remove", "fr-en").exit_code == 1


def test_reinstall_same_version_is_a_no_op_and_newer_replaces(argos_env, package_files,
                                                              tmp_path):
    path = package_files[("fr", "en")]
    assert invoke("install", str(path)).exit_code == 0
    marker = argos_env / "translate-fr_en-1_0" / "marker"
    marker.write_text("still here")
    again = invoke("install", str(path))
    assert again.exit_code == 0 and "already installed" in again.stderr
    assert marker.exists()

    newer = build_package(tmp_path / "newer", "fr", "en", package_version="1.1")
    result = invoke("install", str(newer))
    assert result.exit_code == 0 and "replacing 1.0" in result.stderr
    assert [p.version for p in models.installed_packages()] == ["1.1"]

    older = invoke("install", str(path))
    assert older.exit_code == 1 and "--force" in older.stderr
    assert invoke("install", "--force", str(path)).exit_code == 0
    assert [p.version for p in models.installed_packages()] == ["1.0"]


def _rezip(source, target, rename=None, drop=()):
    with zipfile.ZipFile(source) as archive:
        files = {info.filename: archive.read(info) for info in archive.infolist()
                 if not info.is_dir()}
    with zipfile.ZipFile(target, "w") as out:
        for name, data in files.items():
            if any(name.endswith(d) for d in drop):
                continue
            out.writestr((rename or {}).get(name, name), data)
    return target


def corrupt_files(tmp_path, good):
    data = good.read_bytes()
    truncated = tmp_path / "truncated.argosmodel"
    truncated.write_bytes(data[: len(data) // 2])
    text = tmp_path / "text.argosmodel"
    text.write_text("not a zip")
    no_metadata = _rezip(good, tmp_path / "nometa.argosmodel", drop=("metadata.json",))
    no_model = _rezip(good, tmp_path / "nomodel.argosmodel", drop=("model.bin",))
    escape = tmp_path / "escape.argosmodel"
    write_zip(escape, "translate-fr_en-1_0", {"metadata.json": b"{}"})
    with zipfile.ZipFile(escape, "a") as archive:
        archive.writestr("../evil.txt", b"x")
    absolute = tmp_path / "absolute.argosmodel"
    with zipfile.ZipFile(absolute, "w") as archive:
        archive.writestr("/tmp/evil.txt", b"x")
    bad_json = _rezip(good, tmp_path / "badjson.argosmodel", drop=("metadata.json",))
    with zipfile.ZipFile(bad_json, "a") as archive:
        archive.writestr("translate-fr_en-1_0/metadata.json", b"{not json")
    return {"truncated": truncated, "text": text, "no_metadata": no_metadata,
            "no_model": no_model, "escape": escape, "absolute": absolute,
            "bad_json": bad_json}


@pytest.mark.parametrize("kind", ["truncated", "text", "no_metadata", "no_model", "escape",
                                  "absolute", "bad_json"])
def test_corrupt_package_is_refused_with_one_line(argos_env, package_files, tmp_path, kind):
    bad = corrupt_files(tmp_path, package_files[("fr", "en")])[kind]
    result = invoke("install", str(bad))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and "refused" in lines[0]
    assert not argos_env.exists() or not any(argos_env.iterdir())
    assert not (tmp_path.parent / "evil.txt").exists()


def test_good_file_installs_beside_a_refused_one(argos_env, package_files, tmp_path):
    bad = corrupt_files(tmp_path, package_files[("fr", "en")])["truncated"]
    result = invoke("install", str(bad), str(package_files[("ar", "en")]))
    assert result.exit_code == 1
    assert [p.name for p in models.installed_packages()] == ["translate-ar_en-1_0"]


def test_packages_dir_follows_argostranslate_settings(tmp_path, monkeypatch):
    monkeypatch.delenv("ARGOS_PACKAGES_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert models.packages_dir() == tmp_path / "data" / "argos-translate" / "packages"
    settings = tmp_path / "config" / "argos-translate" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(json.dumps({"ARGOS_PACKAGES_DIR": str(tmp_path / "fromfile")}))
    assert models.packages_dir() == tmp_path / "fromfile"
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(tmp_path / "fromenv"))
    assert models.packages_dir() == tmp_path / "fromenv"


def test_download_without_network_fails_fast_with_a_clear_message(argos_env, tmp_path,
                                                                  monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network disabled by the test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    result = invoke("download", "ar", "en", "--dir", str(tmp_path / "dl"))
    assert result.exit_code == 1
    assert "cannot reach the package index" in result.stderr
    assert "toolkit models install" in result.stderr
    assert "Traceback" not in result.output


def test_layout_details_are_read(argos_env, tmp_path):
    path = build_package(tmp_path, "en", "fr", target_prefix="__fr__",
                         extra_files={"stanza/en/tokenize/combined.pt": b"stub"})
    models.install_package(path)
    (package,) = models.installed_packages()
    assert package.target_prefix == "__fr__"
    assert package.sentence_splitter == "stanza"
    assert package.tokenizer == "sentencepiece"


def test_download_with_a_hanging_dns_gives_up_after_the_timeout(argos_env, tmp_path,
                                                                 monkeypatch):
    import threading
    import time

    release = threading.Event()
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: release.wait(30))
    started = time.monotonic()
    with pytest.raises(models.PackageError, match="cannot reach the package index"):
        models.download_package("ar", "en", tmp_path, timeout=0.5)
    assert time.monotonic() - started < 5
    release.set()
