"""docs/digest.png: the digest of the bundled documents (fixtures/docs), as headless Chromium
shows it. Runs the whole job with whatever translation packages are installed.

    .venv/bin/python tools/digest_screenshot.py [--out docs/digest.png]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support import browser

import toolkit
from toolkit.digest import write_digest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "digest.png")
    parser.add_argument("--width", type=int, default=1100)
    parser.add_argument("--height", type=int, default=1300)
    args = parser.parse_args()
    binary = browser.chromium()
    if not binary:
        print(browser.MISSING, file=sys.stderr)
        return 1
    folders = [ROOT / "fixtures" / "docs" / lang for lang in ("ar", "fr", "en")]
    records = toolkit.run(folders, to="en", skip_missing_models=True,
                          options={"summarize": {"sentences": 2}})
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "digest.html"
        write_digest(records, page, title="Digest of fixtures/docs")
        browser.screenshot(binary, page, args.out, width=args.width, height=args.height)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
