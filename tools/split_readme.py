"""One-off: move the long README's sections into docs/ (issue 15). Kept for the record of
where each section went; run from the repository root with the old README as argument."""
import re
import sys
from pathlib import Path

TARGET = {  # top-level section of the old README -> docs file
    "Install": "install.md",
    "Records, errors and exit statuses": "records.md", "Sentences": "records.md",
    "ingest": "ingest.md", "detect": "detect.md", "translate and models": "translate.md",
    "summarize": "summarize.md", "stories": "stories.md", "extract": "extract.md",
    "export": "export.md", "run (cron)": "run.md", "Running unattended": "run.md",
    "digest: a page to read": "digest.md", "Benchmarks": "benchmarks.md",
    "Design notes": "design.md",
}


def anchor(title: str) -> str:
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def main(old: str) -> None:
    text = Path(old).read_text(encoding="utf-8")
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    files: dict[str, list[str]] = {}
    anchors = {}
    for title, body in zip(parts[1::2], parts[2::2]):
        name = TARGET.get(title.strip())
        if name is None:
            sys.exit(f"no docs file for section {title!r}")
        files.setdefault(name, []).append(f"## {title}{body}")
        anchors[anchor(title)] = name
        for sub in re.findall(r"^### (.+)$", body, flags=re.M):
            anchors[anchor(sub)] = name
    for name, sections in files.items():
        body = "".join(sections)

        def relink(m: re.Match) -> str:
            target = anchors.get(m.group(1))
            if target is None:
                return m.group(0)
            return f"]({'' if target == name else target}#{m.group(1)})"

        body = re.sub(r"\]\(#([\w\-]+)\)", relink, body)
        body = body.replace("](../shared/CONTRACT.md)", "](contract.md)")
        body = body.replace("](docs/", "](")
        first = sections[0].splitlines()[0][3:]
        Path("docs", name).write_text(f"# {first}\n\n[README](../README.md) · "
                                      "[all docs](index.md)\n\n"
                                      + body.replace("\n## ", "\n## ", 1).split("\n", 1)[1],
                                      encoding="utf-8")
    print("\n".join(sorted(files)))


if __name__ == "__main__":
    main(sys.argv[1])
