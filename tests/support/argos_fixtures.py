"""pytest fixtures for tests that need argos packages (import the names you use).

    from support.argos_fixtures import package_files, argos_env  # noqa: F401

`package_files` builds the small ar→en, fr→en and en→fr packages once per test
session; `argos_env` points ARGOS_PACKAGES_DIR and XDG_CACHE_HOME at fresh temporary
folders (nothing touches the user's real packages or cache); `installed` installs the
three packages there.
"""

from __future__ import annotations

import pytest

from support.argos_package import build_package

PAIRS = (("ar", "en"), ("fr", "en"), ("en", "fr"))


@pytest.fixture(scope="session")
def package_files(tmp_path_factory) -> dict[tuple[str, str], object]:
    folder = tmp_path_factory.mktemp("argos-packages")
    return {pair: build_package(folder, *pair) for pair in PAIRS}


@pytest.fixture
def argos_env(tmp_path, monkeypatch):
    packages = tmp_path / "argos-packages"
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(packages))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return packages


@pytest.fixture
def installed(argos_env, package_files):
    from toolkit.models import install_package

    for path in package_files.values():
        install_package(path)
    return argos_env
