#!/usr/bin/env bash
# Translation throughput on a GPU machine (issue 12), as one prepared command.
#
#   tests/bench/gpu_check.sh fetch   # here, with PyPI: the CTranslate2 cp312 wheel into .whl/
#   tests/bench/gpu_check.sh         # there (device tool: carry [".whl"], timeout_s 540)
#
# The GPU image has Python 3.12, numpy, sentencepiece and typer but not CTranslate2, and
# its cuBLAS is 13 while CTranslate2 4.x wheels load libcublas.so.12: when no
# libcublas.so.12 is found, links named .so.12 to the image's cuBLAS go first on
# LD_LIBRARY_PATH (that worked for CTranslate2 4.8.5). Results: $OUT/*.json and the log.
# Goals (each bench exits non-zero on a miss): toolkit >= 30x the argostranslate-style
# per-document loop on the same GPU, >= 1,000 sentences/s at beam 4, and on CPU 16 cores
# >= 6x 2 cores (taskset).
set -uo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-python3}
CT2=${CT2_VERSION:-4.8.5}

if [ "${1:-}" = fetch ]; then
  $PY -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    -d .whl "ctranslate2==$CT2"
  exit
fi

OUT=${OUT:-$(mktemp -d)}
SITE=/tmp/toolkit-gpu-site
$PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target "$SITE" .whl/ctranslate2-*.whl || { echo "no .whl/ctranslate2 wheel: run '$0 fetch' first"; exit 2; }
export PYTHONPATH="$SITE:$PWD:$PWD/tests${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1

if ! $PY -c 'import ctypes; ctypes.CDLL("libcublas.so.12")' 2>/dev/null; then
  lib=$($PY - <<'PY'
import glob, os, site, sys
roots = [p for p in sys.path if p] + site.getsitepackages() + ["/usr/local/cuda/lib64", "/usr/lib/x86_64-linux-gnu"]
for root in roots:
    hits = sorted(glob.glob(os.path.join(root, "nvidia", "cu*", "lib", "libcublas.so.1*")) +
                  glob.glob(os.path.join(root, "nvidia", "cublas", "lib", "libcublas.so.1*")) +
                  glob.glob(os.path.join(root, "libcublas.so.1*")))
    if hits:
        print(os.path.dirname(hits[-1])); break
PY
)
  if [ -n "$lib" ]; then
    mkdir -p /tmp/cublas12
    for name in libcublas libcublasLt; do
      real=$(ls "$lib"/$name.so.1[0-9]* 2>/dev/null | sort | tail -1)
      [ -n "$real" ] && ln -sf "$real" "/tmp/cublas12/$name.so.12"
    done
    export LD_LIBRARY_PATH="/tmp/cublas12:$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    echo "cuBLAS 12 not found: linked /tmp/cublas12/libcublas.so.12 -> $(readlink /tmp/cublas12/libcublas.so.12)"
  fi
fi

exec > >(tee "$OUT/gpu_check.log") 2>&1
status=0
step() { echo; echo "== $*"; "$@" || status=1; }
nvidia-smi -L; nproc
step $PY -c 'from toolkit.devices import doctor_checks
for c in doctor_checks(): print(("ok      " if c["ok"] else "MISSING ") + c["name"] + ": " + c["detail"])'
step $PY tests/bench/determinism.py --device cuda --sentences 300
step $PY tests/bench/bench_translate.py --device cuda --sentences 5000 \
  --baseline-sentences 500 --sides toolkit,today,loop --repeat 1 --json "$OUT/gpu.json"
step taskset -c 0,1 $PY tests/bench/bench_translate.py --device cpu --sentences 300 \
  --baseline-sentences 20 --sides toolkit --repeat 1 --json "$OUT/cpu2.json"
step taskset -c 0-15 $PY tests/bench/bench_translate.py --device cpu --sentences 1200 \
  --baseline-sentences 20 --sides toolkit --repeat 1 --json "$OUT/cpu16.json"
step $PY - "$OUT" <<'PY'
import json, sys
rate = lambda name: next(r["rate"] for r in json.load(open(f"{sys.argv[1]}/{name}.json"))["rows"]
                       if r["key"] == "toolkit" and r["which"] == "all")
two, sixteen = rate("cpu2"), rate("cpu16")
print(f"CPU: 2 cores {two:.1f} sentences/s, 16 cores {sixteen:.1f}: {sixteen / two:.1f}x (goal >= 6x)")
sys.exit(0 if sixteen / two >= 6 else 1)
PY
exit $status
