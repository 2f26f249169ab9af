"""Does a sentence's translation depend on its batch neighbours? Measured, not assumed.

Builds the bench's Transformer-base int8 fr→en package, then translates the same distinct
French sentences (beam 4, each sentence's own decoding limit) one at a time, in one
length-sorted batch of 32, in shuffled batches of 5, and in token batches (1,024 tokens),
and counts the sentences whose output equals the one-at-a-time output. `toolkit translate
--deterministic` sends one sentence per batch. Usage:
.venv/bin/python tests/bench/determinism.py [--device cpu] [--sentences 120]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--sentences", type=int, default=120)
    args = parser.parse_args()

    import ctranslate2
    import sentencepiece as spm
    from bench_translate import BEAM, documents, split_all
    from support.argos_package import build_package

    from toolkit.translate import LENGTH_PENALTY, decoding_limit

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        from bench_translate import EOS_BIAS, EOS_SLOPE

        package = build_package(folder, "fr", "en", layers=6, width=512, heads=8, ffn=2048,
                                eos_bias=EOS_BIAS, eos_slope=EOS_SLOPE, quantization="int8",
                                vocab_size=4000)
        zipfile.ZipFile(package).extractall(folder / "x")
        model = next((folder / "x").iterdir())
        processor = spm.SentencePieceProcessor(model_file=str(model / "sentencepiece.model"))
        sentences = list(dict.fromkeys(split_all(documents(args.sentences))))[:args.sentences]
        tokens = [processor.encode(s, out_type=str) for s in sentences]
        translator = ctranslate2.Translator(str(model / "model"), device=args.device,
                                            inter_threads=1, intra_threads=1 if
                                            args.device == "cpu" else 0)

        def run(batches, **options) -> tuple[dict[int, list[str]], float]:
            started, out = time.perf_counter(), {}
            for batch in batches:
                # Sentences of one call share a decoding limit, as in toolkit translate.
                for limit in sorted({decoding_limit(len(tokens[i])) for i in batch}):
                    chosen = [i for i in batch if decoding_limit(len(tokens[i])) == limit]
                    results = translator.translate_batch(
                        [tokens[i] for i in chosen], beam_size=BEAM, max_decoding_length=limit,
                        length_penalty=LENGTH_PENALTY, **options)
                    out.update({i: r.hypotheses[0] for i, r in zip(chosen, results)})
            return out, time.perf_counter() - started

        order = list(range(len(tokens)))
        alone, alone_s = run([[i] for i in order])
        shuffled = order[:]
        random.Random(1).shuffle(shuffled)
        runs = {"one batch, max_batch_size 32": run([order], max_batch_size=32),
                "shuffled batches of 5": run([shuffled[i:i + 5]
                                              for i in range(0, len(shuffled), 5)]),
                "token batches of 1,024": run([order], max_batch_size=1024,
                                              batch_type="tokens")}
    print(f"{len(tokens)} sentences, beam {BEAM}, {args.device}, ctranslate2 "
          f"{ctranslate2.__version__}; one at a time: {alone_s:.1f}s")
    for name, (out, seconds) in runs.items():
        same = sum(out[i] == alone[i] for i in order)
        print(f"  {name:<30} same as one at a time: {same} of {len(order)} ({seconds:.1f}s)")


if __name__ == "__main__":
    main()
