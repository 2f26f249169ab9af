"""Build small, real argostranslate packages (.argosmodel) deterministically, in seconds.

A package is a zip of one folder holding `metadata.json`, a CTranslate2 model in
`model/` and a tokenizer (`sentencepiece.model`, or `bpe.model` for the older
Moses + BPE layout). The model is a Transformer built with `ctranslate2.specs` and
filled with seeded random weights: its translations are nonsense, but every code
path a real package takes (tokenize, translate_batch, detokenize, pivot, install)
runs for real. A bias on the end-of-sentence logit makes outputs stop early instead
of running to the decoding limit.

Used by the tests, the benchmark and any test that needs an installed package:

    from support.argos_package import build_package
    path = build_package(tmp_path, "ar", "en")          # -> tmp_path/translate-ar_en-1_0.argosmodel
"""

from __future__ import annotations

import io
import itertools
import json
import tempfile
import zipfile
import zlib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_DOCS = ROOT / "fixtures" / "docs"

# Used when fixtures/docs is absent, so a package can always be built.
_FALLBACK_TEXT = """\
Le ministre des Affaires étrangères a reçu mardi l'ambassadeur de France à Tripoli.
Les deux parties ont examiné les moyens de renforcer la coopération bilatérale.
M. Dupont a déclaré que « la situation reste préoccupante » dans la région.
The minister of foreign affairs received the French ambassador in Tripoli on Tuesday.
Both sides discussed ways to strengthen bilateral cooperation, the ministry said.
The council adopted resolution 2025/14 on 5 March after a long debate.
استقبل وزير الخارجية يوم الثلاثاء سفير فرنسا في طرابلس.
وبحث الجانبان سبل تعزيز التعاون الثنائي، وفق بيان الوزارة.
وقال الوزير إن الوضع لا يزال مقلقا في المنطقة؛ وأضاف أن الحوار مستمر.
"""


def fixture_text(limit_chars: int = 400_000) -> list[str]:
    """Lines of the fixture documents (sorted paths, so the result is stable)."""
    lines: list[str] = []
    if FIXTURE_DOCS.is_dir():
        for path in sorted(FIXTURE_DOCS.rglob("*")):
            if path.suffix.lower() not in {".txt", ".md", ".html", ".htm"} or not path.is_file():
                continue
            try:
                text = path.read_text("utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            lines.extend(line.strip() for line in text.splitlines() if line.strip())
    lines.extend(_FALLBACK_TEXT.splitlines())
    out, size = [], 0
    for line in lines:
        if size > limit_chars:
            break
        out.append(line)
        size += len(line)
    return out


def train_sentencepiece(lines: list[str], vocab_size: int = 800) -> bytes:
    """A unigram SentencePiece model trained deterministically (one thread, no shuffling)."""
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        vocab_size=vocab_size,
        hard_vocab_limit=False,
        model_type="unigram",
        character_coverage=1.0,
        num_threads=1,
        shuffle_input_sentence=False,
        input_sentence_size=0,
        minloglevel=2,
    )
    return model.getvalue()


def sentencepiece_vocabulary(model_bytes: bytes) -> list[str]:
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor(model_proto=model_bytes)
    return [processor.id_to_piece(i) for i in range(processor.get_piece_size())]


def learn_bpe(lines: list[str], merges: int = 200) -> tuple[str, list[str]]:
    """A tiny subword-nmt style BPE (codes file text, vocabulary) over Moses tokens."""
    from sacremoses import MosesTokenizer

    tokenizer = MosesTokenizer("en")
    words: Counter[tuple[str, ...]] = Counter()
    for line in lines:
        for token in tokenizer.tokenize(line, escape=False):
            words[tuple(token[:-1]) + (token[-1] + "</w>",)] += 1
    codes = []
    for _ in range(merges):
        pairs: Counter[tuple[str, str]] = Counter()
        for word, count in words.items():
            for pair in itertools.pairwise(word):
                pairs[pair] += count
        if not pairs:
            break
        best = min(pairs, key=lambda pair: (-pairs[pair], pair))
        codes.append(best)
        words = Counter({_merge(word, best): count for word, count in words.items()})
    vocabulary: set[str] = set()
    for word in words:
        for i, symbol in enumerate(word):
            if symbol.endswith("</w>"):
                vocabulary.add(symbol[:-4])
            else:
                vocabulary.add(symbol + "@@" if i < len(word) - 1 else symbol)
    text = "#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in codes)
    return text, sorted(vocabulary)


def _merge(word: tuple[str, ...], pair: tuple[str, str]) -> tuple[str, ...]:
    out: list[str] = []
    i = 0
    while i < len(word):
        if i + 1 < len(word) and (word[i], word[i + 1]) == pair:
            out.append(word[i] + word[i + 1])
            i += 2
        else:
            out.append(word[i])
            i += 1
    return tuple(out)


def build_model_spec(
    source_vocabulary: list[str],
    target_vocabulary: list[str],
    *,
    layers: int = 2,
    width: int = 64,
    heads: int = 2,
    ffn: int = 128,
    seed: int = 0,
    eos_bias: float = 2.0,
    source_weight: float = 6.0,
    eos_slope: float = 0.0,
):
    """A CTranslate2 TransformerSpec (pre-norm, sinusoidal positions) with seeded weights."""
    import numpy as np
    from ctranslate2.specs import common_spec, transformer_spec

    rng = np.random.default_rng(seed)

    def matrix(rows: int, cols: int) -> np.ndarray:
        return (rng.standard_normal((rows, cols)) / np.sqrt(cols)).astype(np.float32)

    def vector(size: int, value: float = 0.0) -> np.ndarray:
        return np.full(size, value, dtype=np.float32)

    def set_linear(linear, rows: int, cols: int) -> None:
        linear.weight = matrix(rows, cols)
        linear.bias = vector(rows)

    def set_norm(norm) -> None:
        norm.gamma = vector(width, 1.0)
        norm.beta = vector(width)

    def set_attention(attention, self_attention: bool) -> None:
        if self_attention:
            set_linear(attention.linear[0], 3 * width, width)
        else:
            set_linear(attention.linear[0], width, width)
            set_linear(attention.linear[1], 2 * width, width)
        set_linear(attention.linear[-1], width, width)
        if not self_attention:
            # Loud cross-attention: what the decoder writes then depends on the source.
            attention.linear[-1].weight *= np.float32(source_weight)
        set_norm(attention.layer_norm)

    def set_ffn(feed_forward) -> None:
        set_norm(feed_forward.layer_norm)
        set_linear(feed_forward.linear_0, ffn, width)
        set_linear(feed_forward.linear_1, width, ffn)

    spec = transformer_spec.TransformerSpec.from_config(
        (layers, layers), heads, activation=common_spec.Activation.RELU)
    spec.config.decoder_start_token = "<s>"
    for side, vocabulary in ((spec.encoder, source_vocabulary), (spec.decoder, target_vocabulary)):
        embeddings = side.embeddings[0] if isinstance(side.embeddings, list) else side.embeddings
        embeddings.weight = matrix(len(vocabulary), width) * np.float32(np.sqrt(width))
        side.position_encodings.encodings = _sinusoids(1024, width)
        set_norm(side.layer_norm)
        for layer in side.layer:
            set_attention(layer.self_attention, True)
            if hasattr(layer, "attention"):
                set_attention(layer.attention, False)
            set_ffn(layer.ffn)
    projection = matrix(len(target_vocabulary), width) * np.float32(3.0)
    if eos_slope:
        # The EOS logit grows with the decoder position: the slow sinusoids of the position
        # encoding rise (sin) and fall (cos) monotonically over the first ~60 steps.
        slow = np.arange(width // 2) >= int(width * 0.2)
        row = np.zeros(width, dtype=np.float32)
        row[0::2][slow] = 1.0
        row[1::2][slow] = -1.0
        projection[target_vocabulary.index("</s>")] = row * np.float32(eos_slope / slow.sum())
    spec.decoder.projection.weight = projection
    bias = vector(len(target_vocabulary))
    bias[target_vocabulary.index("</s>")] = eos_bias
    spec.decoder.projection.bias = bias
    spec.register_source_vocabulary(source_vocabulary)
    spec.register_target_vocabulary(target_vocabulary)
    return spec


def _sinusoids(length: int, width: int):
    import numpy as np

    position = np.arange(length, dtype=np.float32)[:, None]
    scale = np.exp(np.arange(0, width, 2, dtype=np.float32) * -(np.log(10000.0) / width))
    table = np.zeros((length, width), dtype=np.float32)
    table[:, 0::2] = np.sin(position * scale)
    table[:, 1::2] = np.cos(position * scale)
    return table


def _model_vocabulary(tokens: list[str]) -> list[str]:
    """Tokenizer pieces with the special tokens CTranslate2 needs, each once, in order."""
    out = ["<unk>", "<s>", "</s>", "<blank>"]
    seen = set(out)
    for token in tokens:
        if token not in seen:
            seen.add(token)
            out.append(token)
    return out


def build_package(
    directory: Path | str,
    from_code: str,
    to_code: str,
    *,
    layers: int = 2,
    width: int = 64,
    heads: int = 2,
    ffn: int = 128,
    seed: int | None = None,
    eos_bias: float = 3.0,
    source_weight: float = 6.0,
    eos_slope: float = 0.0,
    sentencepiece: bool = True,
    target_prefix: str | None = None,
    package_version: str = "1.0",
    argos_version: str = "1.9.0",
    vocab_size: int = 800,
    extra_files: dict[str, bytes] | None = None,
    name: str | None = None,
    quantization: str | None = None,
    compress: bool = True,
) -> Path:
    """Write `translate-<from>_<to>-<version>.argosmodel` into `directory`; return its path.

    Same arguments, same bytes: the tokenizer is trained with one thread on sorted
    fixture text, the weights come from `seed`, and the zip entries carry a fixed date.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    lines = fixture_text()
    folder = name or f"translate-{from_code}_{to_code}-{package_version.replace('.', '_')}"
    files: dict[str, bytes] = {}
    if sentencepiece:
        model_bytes = train_sentencepiece(lines, vocab_size)
        vocabulary = _model_vocabulary(sentencepiece_vocabulary(model_bytes))
        files["sentencepiece.model"] = model_bytes
    else:
        codes, tokens = learn_bpe(lines)
        vocabulary = _model_vocabulary(tokens)
        files["bpe.model"] = codes.encode("utf-8")
    target_vocabulary = vocabulary + ([target_prefix] if target_prefix else [])
    metadata = {
        "package_version": package_version,
        "argos_version": argos_version,
        "from_code": from_code,
        "from_name": from_code,
        "to_code": to_code,
        "to_name": to_code,
        "type": "translate",
    }
    if target_prefix:
        metadata["target_prefix"] = target_prefix
    files["metadata.json"] = json.dumps(metadata, indent=2).encode("utf-8")
    if seed is None:  # each pair its own weights, the same on every run
        seed = zlib.crc32(f"{from_code}-{to_code}".encode())
    spec = build_model_spec(vocabulary, target_vocabulary, layers=layers, width=width,
                            heads=heads, ffn=ffn, seed=seed, eos_bias=eos_bias,
                            source_weight=source_weight, eos_slope=eos_slope)
    spec.validate()
    spec.optimize(quantization=quantization)  # real argos packages are int8
    with tempfile.TemporaryDirectory() as tmp:
        spec.save(tmp)
        for path in sorted(Path(tmp).iterdir()):
            files[f"model/{path.name}"] = path.read_bytes()
    files.update(extra_files or {})
    target = directory / f"{folder}.argosmodel"
    write_zip(target, folder, files, compress)
    return target


def write_zip(target: Path, folder: str, files: dict[str, bytes], compress: bool = True) -> None:
    """A zip of `folder/<name>` entries with a fixed timestamp (byte-identical rebuilds)."""
    partial = target.with_suffix(".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(f"{folder}/", (2024, 1, 1, 0, 0, 0)), b"")
        for name in sorted(files):
            info = zipfile.ZipInfo(f"{folder}/{name}", (2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
            archive.writestr(info, files[name])
    partial.replace(target)


_SESSION_CACHE: dict[tuple, Path] = {}


def cached_package(cache_dir: Path | str, from_code: str, to_code: str, **options) -> Path:
    """build_package, once per argument set per process (tests share the build)."""
    key = (str(cache_dir), from_code, to_code, tuple(sorted(options.items())))
    path = _SESSION_CACHE.get(key)
    if path is None or not path.exists():
        sub = Path(cache_dir) / f"build{len(_SESSION_CACHE)}"
        path = build_package(sub, from_code, to_code, **options)
        _SESSION_CACHE[key] = path
    return path


def install_unzipped(package: Path, packages_dir: Path) -> Path:
    """Unzip a package as argostranslate's install_from_path does (tests of layouts)."""
    with zipfile.ZipFile(package) as archive:
        archive.extractall(packages_dir)
        top = archive.namelist()[0].split("/")[0]
    return packages_dir / top


__all__ = ["build_package", "cached_package", "fixture_text", "install_unzipped"]
