"""Regenerate fixtures/formats/: PDFs and Word files made by real producers from the
project's own fixture texts (fixtures/docs/{ar,fr,en}).

    python tools/make_doc_fixtures.py        # needs chromium and soffice (LibreOffice)

Debian: apt-get install chromium libreoffice-writer-nogui fonts-dejavu-core. Each fixture
text (first line the headline, one paragraph per line) becomes an HTML page (dir="rtl"
for Arabic) that headless Chromium prints to PDF and headless LibreOffice converts to
PDF and .docx. Special pages: the French documents run together over several pages with
Chromium's own running header (date, title) and footer (file URL, page n/N); the Arabic
ones likewise through LibreOffice with a header and a page-number footer; two columns
(ar, en); a table (fr); and a page that is only an image, as a scan is. The tests read
the committed files and need neither program.
"""

from __future__ import annotations

import html
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "fixtures" / "docs"
OUT = ROOT / "fixtures" / "formats"
LANGS = ("ar", "fr", "en")
STYLE = ("@page { size: A4; margin: 2cm } body { font-family: 'DejaVu Sans'; font-size: "
         "11pt; line-height: 1.4 } h1 { font-size: 16pt }")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]
TABLE = [("Port", "Conteneurs (EVP)", "Variation"), ("Misrata", "410.000", "+12,4 %"),
         ("Benghazi", "96.500", "+3,1 %"), ("Tripoli", "188.200", "-2,7 %")]


def fixture_texts(lang: str) -> list[Path]:
    return sorted((DOCS / lang).glob("*.txt"))


def page(lang: str, title: str, body: str, style: str = "") -> str:
    direction = ' dir="rtl"' if lang == "ar" else ""
    return (f'<!DOCTYPE html>\n<html lang="{lang}"{direction}><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title><style>{STYLE} {style}</style></head>"
            f"<body>\n{body}\n</body></html>\n")


def article(path: Path) -> tuple[str, str]:
    """(headline, HTML of the headline and paragraphs) of a fixture text."""
    lines = [line.strip() for line in path.read_text("utf-8").splitlines() if line.strip()]
    paragraphs = "\n".join(f"<p>{html.escape(line)}</p>" for line in lines[1:])
    return lines[0], f"<h1>{html.escape(lines[0])}</h1>\n{paragraphs}"


def chromium(source: Path, target: Path, *, header_footer: bool = False) -> None:
    with tempfile.TemporaryDirectory() as profile:
        flags = [*CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                 *([] if header_footer else ["--no-pdf-header-footer"])]
        subprocess.run([_program("chromium"), *flags, f"--print-to-pdf={target}",
                        source.as_uri()], check=True, capture_output=True, timeout=120)


def libreoffice(sources: list[Path], folder: Path, to: str) -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([_program("soffice"), "--headless", "--norestore",
                        f"-env:UserInstallation={Path(profile).as_uri()}",
                        "--infilter=HTML (StarWriter)", "--convert-to", to, "--outdir", str(folder),
                        *map(str, sources)], check=True, capture_output=True, timeout=600)


def _program(name: str) -> str:
    found = shutil.which(name)
    if not found:
        sys.exit(f"{name} not found: apt-get install chromium libreoffice-writer-nogui")
    return found


def scan_like_png(width: int = 600, height: int = 800) -> bytes:
    """A grey page with dark bars where lines of text would be: pixels, no text."""
    rows = []
    for y in range(height):
        line = bytearray([236] * width)
        if 80 <= y < 720 and (y // 12) % 2 == 0:
            end = width - 60 - (y * 37) % 140
            line[60:end] = bytes([40]) * (end - 60)
        rows.append(b"\x00" + bytes(line))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))


def main() -> None:
    chrome_dir, office_dir = OUT / "chromium", OUT / "libreoffice"
    for folder in (chrome_dir, office_dir):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        pages = []
        for lang in LANGS:
            for text in fixture_texts(lang):
                title, body = article(text)
                source = work / f"{lang}_{text.stem}.html"
                source.write_text(page(lang, title, body), "utf-8")
                pages.append(source)
                chromium(source, chrome_dir / f"{source.stem}.pdf")
        libreoffice(pages, office_dir, "pdf:writer_pdf_Export")
        libreoffice(pages, office_dir, "docx:MS Word 2007 XML")
        for special in special_pages(work):
            chromium(special, chrome_dir / f"{special.stem}.pdf",
                     header_footer=special.stem.endswith("running_header_footer"))
        office_special = special_office_pages(work)
        libreoffice(office_special, office_dir, "pdf:writer_pdf_Export")
        libreoffice(office_special, office_dir, "docx:MS Word 2007 XML")


def special_pages(work: Path) -> list[Path]:
    made = []

    def write(name: str, lang: str, title: str, body: str, style: str = "") -> None:
        path = work / f"{name}.html"
        path.write_text(page(lang, title, body, style), "utf-8")
        made.append(path)

    french = [article(p) for p in fixture_texts("fr")]
    write("fr_running_header_footer", "fr", "Revue de presse LANA",
          "\n".join(body for _, body in french))
    for lang in ("ar", "en"):
        stories = [article(p) for p in fixture_texts(lang)[:2]]
        write(f"{lang}_two_columns", lang, stories[0][0], "\n".join(b for _, b in stories),
              "body { column-count: 2; column-gap: 1.2cm } h1 { break-after: avoid }")
    write("fr_table", "fr", "Trafic des ports", table_body())
    (work / "scan.png").write_bytes(scan_like_png())
    write("scan_image_only", "fr", "", '<img src="scan.png" style="width: 100%">')
    return made


def table_body() -> str:
    rows = "\n".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row)
                     + "</tr>" for row in TABLE)
    return ("<h1>Trafic des ports au premier semestre</h1>\n<p>Le tableau suivant donne le "
            "trafic de conteneurs des trois ports principaux.</p>\n<table border=\"1\">"
            f"\n{rows}\n</table>\n<p>Source : autorité portuaire.</p>")


def special_office_pages(work: Path) -> list[Path]:
    """LibreOffice reads <div title="header"> and <div title="footer"> of an HTML page
    as the page style's header and footer (its own HTML export writes them so)."""
    arabic = [article(p) for p in fixture_texts("ar")]
    furniture = ('<div title="header"><p>وكالة الأنباء الليبية - نشرة الأخبار</p></div>\n'
                 '<div title="footer"><p>صفحة <sdfield type=PAGE subtype=RANDOM format=PAGE>'
                 "1</sdfield></p></div>\n")
    path = work / "ar_running_header_footer.html"
    path.write_text(page("ar", "نشرة الأخبار", furniture + "\n".join(b for _, b in arabic)),
                    "utf-8")
    table = work / "fr_table.html"
    table.write_text(page("fr", "Trafic des ports", table_body()), "utf-8")
    return [path, table]


if __name__ == "__main__":
    main()
