"""Benchmark: `toolkit translate` against today's toolkit and argostranslate, same model.

Builds a Transformer-base-sized fr→en package (6+6 layers, width 512, 8 heads, FFN
2048, int8 like real argos packages; random weights, the end-of-sentence logit rising
with the decoder position so outputs stop near the source's length instead of running
to the limit: the bench prints the share that reaches the decoding limit, goal <= 5%),
installs it in a temporary ARGOS_PACKAGES_DIR, varies the French fixture sentences into
distinct ones grouped into documents, then runs, each in its own subprocess (so peak
RSS is its own):

  toolkit     `toolkit translate --to en --no-cache --beam-size 4` (this checkout)
  today       the same command with the toolkit of commit BASELINE_COMMIT (the code
              before pipelined decoding: `git archive` into a temporary folder)
  argos       argostranslate.translate.translate(text, "fr", "en") per document, as a
              user script would; its sentence splitter (minisbd/stanza, which downloads
              models) swapped for the toolkit's offline one, so both see the same sentences
  argos1      the same with ARGOS_INTRA_THREADS=1
  loop        argostranslate's decoding loop without argostranslate (for machines that
              lack it and its stanza/spacy dependencies, e.g. the GPU image): one
              `translate_batch` per paragraph of each document, its settings (beam 4,
              max_batch_size 32, length_penalty 0.2, compute_type auto, inter_threads 1)

toolkit and today run over all documents and over the argos subset; runs alternate and
each side keeps its best (background load then hurts all alike). Goals (exit 1 when
missed): on cpu, toolkit >= 1.5x today and >= 3x argos; on cuda, toolkit >= 30x argos
and >= 1,000 sentences/s. Usage: .venv/bin/python tests/bench/bench_translate.py
[--sentences 500] [--baseline-sentences 60] [--device cpu] [--repeat 2]
[--sides toolkit,today,argos,argos1,loop] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # tests/, for support.argos_package

BEAM = 4
# Tuned so that outputs stop at about half to once the source length and at most 5% of
# them reach the decoding limit (see README; the bench prints both).
EOS_BIAS, EOS_SLOPE = -330.0, 1500.0
# The toolkit before pipelined decoding and token batches (its defaults: --batch-size 32
# sentences, one single-threaded replica per core, each decoding-limit group waited for).
BASELINE_COMMIT = "e484576601fa"
GOALS = {"cpu": {"today": 1.5, "argos": 3.0}, "cuda": {"argos": 30.0, "loop": 30.0}}
GPU_MIN_RATE = 1000.0

VARIANTS = ["", "Selon le communiqué, ", "Par ailleurs, ", "Mardi, ", "De son côté, ",
            "En outre, ", "Toutefois, ", "Dans ce cadre, ", "Jeudi dernier, ", "Ainsi, ",
            "Lors de la réunion, ", "À Tripoli, ", "Enfin, ", "Selon l'agence, "]


def french_sentences() -> list[str]:
    from support.argos_package import _FALLBACK_TEXT, FIXTURE_DOCS

    from toolkit.sentences import split_sentences

    sentences = []
    for path in sorted((FIXTURE_DOCS / "fr").glob("*.txt")):
        text = path.read_text("utf-8")
        sentences += [s.text for s in split_sentences(text, "fr") if len(s.text) > 25]
    if not sentences:
        sentences = [line for line in _FALLBACK_TEXT.splitlines()[:3]]
    return sentences


def documents(count: int, per_doc: int = 10) -> list[dict]:
    """`count` distinct sentences (fixture sentences with varied openings) in documents."""
    base = french_sentences()
    varied, seen = [], set()
    for variant in VARIANTS:
        for sentence in base:
            text = variant + (sentence[0].lower() + sentence[1:] if variant else sentence)
            if text not in seen:
                seen.add(text)
                varied.append(text)
            if len(varied) >= count:
                break
        if len(varied) >= count:
            break
    docs = []
    for number, start in enumerate(range(0, len(varied), per_doc)):
        chunk = varied[start:start + per_doc]
        body = " ".join(chunk[1:4]) + "\n\n" + " ".join(chunk[4:])
        docs.append({"id": f"bench-{number}", "lang": "fr", "title": chunk[0],
                     "text": body.strip()})
    return docs


def split_all(docs: list[dict]) -> list[str]:
    """Every sentence of the documents' titles and texts, in order."""
    from toolkit.sentences import split_sentences

    return [s.text for d in docs for field in ("title", "text")
            for s in split_sentences(d[field], "fr")]


def count_sentences(docs: list[dict]) -> int:
    return len(split_all(docs))


# --- the two sides, each run in its own process ------------------------------------------


def side_toolkit(source: str, output: str, threads: int, device: str) -> None:
    from toolkit.cli import app

    args = ["translate", "--to", "en", "--from", "fr", "--no-cache", "--beam-size", str(BEAM),
            "--threads", str(threads), "--device", device, "-i", source, "-o", output,
            "--quiet"]
    try:
        app(args)
    except SystemExit as exc:
        if exc.code:
            raise


def side_argos_one_thread(source: str, output: str, threads: int, device: str) -> None:
    side_argos(source, output, 1, device)


def side_argos(source: str, output: str, threads: int, device: str) -> None:
    os.environ["ARGOS_INTRA_THREADS"] = str(threads)
    os.environ["ARGOS_DEVICE_TYPE"] = device
    import argostranslate.translate as argos
    from argostranslate import sbd

    from toolkit.sentences import split_sentences

    def offline_init(self, pkg):
        self.pkg = pkg

    def offline_split(self, text):
        return [s.text for s in split_sentences(text, self.pkg.from_code)]

    for splitter in (sbd.MiniSBDSentencizer, sbd.StanzaSentencizer):
        splitter.__init__ = offline_init
        splitter.split_sentences = offline_split

    with open(source, encoding="utf-8") as lines, open(output, "w", encoding="utf-8") as out:
        for line in lines:
            doc = json.loads(line)
            doc["translation"] = {"title": argos.translate(doc["title"], "fr", "en"),
                                  "text": argos.translate(doc["text"], "fr", "en")}
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")


def side_loop(source: str, output: str, threads: int, device: str) -> None:
    import ctranslate2

    from toolkit import models
    from toolkit.sentences import split_sentences
    from toolkit.translate import tokenizer_for

    (package,) = models.installed_packages()
    tokenizer = tokenizer_for(package)
    translator = ctranslate2.Translator(str(package.path / "model"), device=device,
                                        inter_threads=1, intra_threads=threads,
                                        compute_type="auto")

    def translate(text: str) -> str:
        out = []
        for paragraph in text.split("\n"):
            sentences = [s.text for s in split_sentences(paragraph, "fr")]
            if not sentences:
                continue
            results = translator.translate_batch(
                [tokenizer.encode(s) for s in sentences], replace_unknowns=True,
                max_batch_size=32, beam_size=BEAM, num_hypotheses=1, length_penalty=0.2)
            out.append(" ".join(tokenizer.decode(r.hypotheses[0]) for r in results))
        return "\n".join(out)

    with open(source, encoding="utf-8") as lines, open(output, "w", encoding="utf-8") as out:
        for line in lines:
            doc = json.loads(line)
            doc["translation"] = {"title": translate(doc["title"]),
                                  "text": translate(doc["text"])}
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")


def _median_ratio(path: Path) -> float:
    import statistics

    ratios = [len(p["target"]) / max(1, len(p["source"]))
              for line in path.read_text("utf-8").splitlines()
              for p in json.loads(line)["translations"]["en"]["sentences"]]
    return statistics.median(ratios) if ratios else 0.0


def side_limit_share(source: str, output: str, threads: int, device: str) -> None:
    """Share of the sentences whose output reaches the decoding limit (goal <= 5%)."""
    from toolkit import models
    from toolkit.translate import (
        LENGTH_PENALTY,
        check_options,
        decoding_limit,
        tokenizer_for,
        translator_for,
    )

    (package,) = models.installed_packages()
    options = check_options(to="en", source="fr", batch_size=0, beam_size=BEAM, device=device,
                            threads=threads)
    tokenizer, translator = tokenizer_for(package), translator_for(package, options)
    sentences = split_all([json.loads(line)
                           for line in Path(source).read_text("utf-8").splitlines()])
    tokens = [tokenizer.encode(text) for text in dict.fromkeys(sentences)]
    # Asynchronous batches of sentences sharing a limit, as the toolkit sends them.
    futures = []
    for limit in sorted({decoding_limit(len(toks)) for toks in tokens}):
        group = [toks for toks in tokens if decoding_limit(len(toks)) == limit]
        futures += [(limit, future) for future in translator.translate_batch(
            group, beam_size=BEAM, length_penalty=LENGTH_PENALTY, max_decoding_length=limit,
            max_batch_size=options.batch_limit(device)[0], batch_type="tokens",
            asynchronous=True)]
    at_limit = sum(len(future.result().hypotheses[0]) >= limit for limit, future in futures)
    Path(output).write_text(json.dumps({"sentences": len(tokens), "at_limit": at_limit}))


def run_side(name: str, source: Path, output: Path, env: dict, threads: int,
             device: str) -> dict:
    started = time.perf_counter()
    side = "toolkit" if name == "today" else name
    done = subprocess.run([sys.executable, __file__, "--side", side, "--input", str(source),
                           "--output", str(output), "--threads", str(threads),
                           "--device", device], env=env, capture_output=True, text=True,
                          check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
    usage = json.loads(done.stdout.strip().splitlines()[-1])
    return {"seconds": seconds, "cpu": usage["cpu_s"], "peak_mb": usage["maxrss_kb"] / 1024,
            "module": usage["module"]}


def checkout_today(folder: Path) -> Path | None:
    """The toolkit package of BASELINE_COMMIT, unpacked into `folder` (None without git)."""
    archive = subprocess.run(["git", "-C", str(HERE.parents[1]), "archive", BASELINE_COMMIT,
                              "toolkit"],
                             capture_output=True, check=False)
    if archive.returncode != 0:
        return None
    folder.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder
def build_and_install(directory: str) -> None:
    from support.argos_package import build_package

    from toolkit.models import install_package

    install_package(build_package(directory, "fr", "en", layers=6, width=512, heads=8,
                                  ffn=2048, eos_bias=EOS_BIAS, eos_slope=EOS_SLOPE,
                                  quantization="int8", compress=False, vocab_size=4000))


def child(args) -> None:
    import resource

    if args.side == "build":
        build_and_install(args.output)
        return

    sides = {"toolkit": side_toolkit, "argos": side_argos, "argos1": side_argos_one_thread,
             "limit": side_limit_share, "loop": side_loop}
    sides[args.side](args.input, args.output, args.threads, args.device)
    import toolkit

    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"maxrss_kb": usage.ru_maxrss, "cpu_s": usage.ru_utime + usage.ru_stime,
                      "module": toolkit.__file__}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=500)
    parser.add_argument("--baseline-sentences", type=int, default=60)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--sides", default="toolkit,today,argos,argos1")
    parser.add_argument("--json", help="also write the rows and ratios here")
    parser.add_argument("--side", choices=["toolkit", "argos", "argos1", "limit", "loop",
                                           "build"])
    parser.add_argument("--input")
    parser.add_argument("--output")
    args = parser.parse_args()
    if args.side:
        child(args)
        return
    sides = [side for side in args.sides.split(",") if side]
    with tempfile.TemporaryDirectory(prefix="bench-translate-") as tmp:
        summary = measure(Path(tmp), args, sides)
    report(summary, args)


def measure(tmp_path: Path, args, sides: list[str]) -> dict:
    env = dict(os.environ, ARGOS_PACKAGES_DIR=str(tmp_path / "packages"),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_CACHE_HOME=str(tmp_path / "cache"),
               XDG_CONFIG_HOME=str(tmp_path / "config"),
               PYTHONPATH=os.pathsep.join(filter(None, [str(HERE.parent),
                                                        os.environ.get("PYTHONPATH")])))
    started = time.perf_counter()
    # Built and installed in a child: Linux keeps a parent's peak RSS across fork+exec,
    # so the parent must stay small for the sides' peak RSS to be their own.
    subprocess.run([sys.executable, __file__, "--side", "build", "--output",
                    str(tmp_path / "files")], env=env, check=True)
    size = sum(p.stat().st_size for p in (tmp_path / "files").glob("*.argosmodel"))
    print(f"built and installed a 6+6-layer width-512 int8 package "
          f"({size / 2**20:.0f} MB) in {time.perf_counter() - started:.1f}s")
    envs = {side: env for side in sides}
    if "today" in sides:
        today = checkout_today(tmp_path / "today")
        if today is None:
            print(f"today: skipped (no git checkout with commit {BASELINE_COMMIT})")
            sides.remove("today")
        else:
            envs["today"] = dict(env, PYTHONPATH=f"{today}{os.pathsep}{env['PYTHONPATH']}")

    docs = documents(args.sentences)
    per_doc = max(1, count_sentences(docs) // len(docs))
    subset = docs[:max(1, args.baseline_sentences // per_doc)]
    inputs = {}
    for name, chosen in (("all", docs), ("subset", subset)):
        inputs[name] = tmp_path / f"{name}.jsonl"
        inputs[name].write_text("".join(json.dumps(d, ensure_ascii=False) + "\n"
                                        for d in chosen), "utf-8")
    run_side("limit", inputs["all"], tmp_path / "limit.json", env, args.threads, args.device)
    limit = json.loads((tmp_path / "limit.json").read_text())
    labels = {"toolkit": "toolkit translate", "today": f"toolkit {BASELINE_COMMIT[:7]} (today)",
              "argos": "argostranslate translate()", "argos1": "argos, ARGOS_INTRA_THREADS=1",
              "loop": "argostranslate-style loop"}
    plan = [(side, "all") for side in ("toolkit", "today") if side in sides]
    plan += [(side, "subset") for side in sides]
    best: dict[tuple[str, str], dict] = {}
    for side, which in plan * args.repeat:
        chosen = docs if which == "all" else subset
        result = run_side(side, inputs[which], tmp_path / f"{side}-{which}.out", envs[side],
                          args.threads, args.device)
        if side == "today" and str(tmp_path) not in result["module"]:
            raise SystemExit(f"today ran {result['module']}, not the archived toolkit")
        sentences = count_sentences(chosen)
        print(f"  {labels[side]:<32} {len(chosen):>4} docs {sentences:>5} sentences "
              f"{result['seconds']:7.1f}s wall {result['cpu']:7.1f}s CPU", flush=True)
        row = {"side": labels[side], "docs": len(chosen), "sentences": sentences, **result,
               "rate": sentences / result["seconds"], "cpu_rate": sentences / result["cpu"]}
        if (side, which) not in best or row["rate"] > best[(side, which)]["rate"]:
            best[(side, which)] = row
    identical = None
    if ("today", "all") in best:
        identical = _same_targets(tmp_path / "toolkit-all.out", tmp_path / "today-all.out")
    return {"best": best, "limit": limit, "identical_to_today": identical,
            "median_ratio": _median_ratio(tmp_path / "toolkit-all.out"),
            "device": args.device, "cores": len(os.sched_getaffinity(0))}


def _same_targets(one: Path, other: Path) -> list[int]:
    """[sentences with the same translation, sentences] between two runs' outputs."""
    def targets(path: Path) -> list[str]:
        return [p["target"] for line in path.read_text("utf-8").splitlines()
                for p in json.loads(line)["translations"]["en"]["sentences"]]
    a, b = targets(one), targets(other)
    return [sum(x == y for x, y in zip(a, b)), len(a)]


def report(summary: dict, args) -> None:
    best, limit = summary["best"], summary["limit"]
    share = limit["at_limit"] / max(1, limit["sentences"])
    print(f"outputs reaching the decoding limit: {limit['at_limit']} of {limit['sentences']} "
          f"({share:.1%}; goal <= 5%); median target/source length (characters): "
          f"{summary['median_ratio']:.2f}")
    if summary["identical_to_today"]:
        same, total = summary["identical_to_today"]
        print(f"same translation as today's toolkit: {same} of {total} sentences")
    print()
    print("| side | docs | sentences | wall s | sentences/s | CPU s | sentences/CPU-s | "
          "peak RSS MB |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in best.values():
        print(f"| {row['side']} | {row['docs']} | {row['sentences']} | {row['seconds']:.1f} | "
              f"{row['rate']:.2f} | {row['cpu']:.1f} | {row['cpu_rate']:.2f} | "
              f"{row['peak_mb']:.0f} |")
    print()
    missed = [] if share <= 0.05 else [f"{share:.1%} of outputs reach the decoding limit"]
    ratios = {}
    for which in ("all", "subset"):
        mine = best.get(("toolkit", which))
        for other in ("today", "argos", "argos1", "loop"):
            if mine is None or (other, which) not in best:
                continue
            ratio = mine["rate"] / best[(other, which)]["rate"]
            ratios[f"{other}/{which}"] = ratio
            # The goals compare like with like: today on all documents, argos on its subset.
            goal_on = "all" if other == "today" else "subset"
            goal = GOALS[args.device].get(other) if which == goal_on else None
            verdict = "" if goal is None else \
                f" (goal >= {goal:g}x: {'met' if ratio >= goal else 'MISSED'})"
            if goal is not None and ratio < goal:
                missed.append(f"{ratio:.2f}x {other}")
            print(f"toolkit / {best[(other, which)]['side']}, same {mine['sentences']} sentences,"
                  f" beam {BEAM}, {args.device}, {summary['cores']} cores: {ratio:.2f}x "
                  f"wall-clock{verdict}")
    if args.device == "cuda" and ("toolkit", "all") in best:
        rate = best[("toolkit", "all")]["rate"]
        if rate < GPU_MIN_RATE:
            missed.append(f"{rate:.0f} sentences/s on cuda")
    print(f"best of {args.repeat} alternating runs per side; times include process start, "
          "imports and model load")
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"rows": [dict(row, which=which, key=side) for (side, which), row in best.items()],
             "ratios": ratios, "limit_share": share, "device": args.device,
             "cores": summary["cores"], "missed": missed}, indent=2))
    if missed:
        raise SystemExit("goal missed: " + "; ".join(missed))


if __name__ == "__main__":
    main()
