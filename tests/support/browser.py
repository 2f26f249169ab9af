"""Open a page in headless Chromium and read back what a person would see.

`chromium()` finds Debian's `chromium` (installed by `make install` where apt is available
and the user is root); tests skip with that reason where it is absent. `load()` runs the
page's script (virtual time) and returns the DOM after it ran, plus Chromium's log, where
console errors and refused loads appear.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
         "--enable-logging=stderr", "--v=0")
MISSING = ("headless Chromium not found (Debian: apt-get install chromium; `make install` does "
           "it where apt is available and the user is root)")


def chromium() -> str | None:
    return next((found for name in CANDIDATES if (found := shutil.which(name))), None)


@dataclass
class Page:
    dom: str
    log: str

    def console_errors(self) -> list[str]:
        """Console messages (the page logs none of its own), uncaught exceptions and loads
        the Content-Security-Policy refused, as Chromium logged them."""
        marks = (":CONSOLE", "Uncaught", "Refused to")
        return [line for line in self.log.splitlines() if any(mark in line for mark in marks)]


def _run(binary: str, args: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="toolkit-chromium-") as profile:
        return subprocess.run([binary, *FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=timeout, check=True)


def load(binary: str, path: Path, fragment: str = "", budget_ms: int = 5000) -> Page:
    """The DOM of `path` (file://, with `#fragment`) after its script ran."""
    url = path.resolve().as_uri() + (f"#{fragment}" if fragment else "")
    done = _run(binary, [f"--virtual-time-budget={budget_ms}", "--dump-dom", url])
    return Page(done.stdout, done.stderr)


def screenshot(binary: str, path: Path, png: Path, width: int = 1200, height: int = 1400,
               fragment: str = "") -> Page:
    url = path.resolve().as_uri() + (f"#{fragment}" if fragment else "")
    done = _run(binary, ["--virtual-time-budget=5000", f"--window-size={width},{height}",
                         f"--screenshot={png}", url])
    return Page("", done.stderr)
