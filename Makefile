# Two commands do everything on a fresh machine: `make demo` and `make test`.
PY      := .venv/bin/python
STAMP   := .venv/.installed

.PHONY: install demo test bench eval lint clean geo-index train-ner browser digest-png

install: $(STAMP)

# torch comes in through stanza (argostranslate). Installing the CPU build first keeps pip from
# choosing a multi-GB CUDA build. On the team's machines torch==2.13.0 lies on local disk; elsewhere:
#   make install TORCH_PIP_ARGS="--index-url https://download.pytorch.org/whl/cpu"
TORCH_SPEC     ?= torch==2.13.0
TORCH_PIP_ARGS ?=
$(STAMP): pyproject.toml
	python3 -m venv .venv
	$(PY) -m pip install --quiet --disable-pip-version-check "$(TORCH_SPEC)" $(TORCH_PIP_ARGS)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@$(MAKE) --no-print-directory browser
	touch $(STAMP)

# Headless Chromium for the digest's browser tests (tests/test_digest.py), from Debian's
# packages where apt is available and we are root; elsewhere those tests skip and say why.
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1; } || \
	  echo "make install: could not install chromium; the browser tests will skip" >&2; \
	else echo "make install: no chromium (apt-get install chromium as root); the browser" \
	  "tests will skip" >&2; fi

# docs/digest.png, the README's picture of `toolkit digest` over fixtures/docs.
digest-png: install
	$(PY) tools/digest_screenshot.py

# The nightly job on the bundled documents, then a table to read; packages are used when
# installed (`toolkit models install`), else the table says translation was skipped.
DEMO_OUT ?= $(or $(TMPDIR),/tmp)/toolkit-demo.jsonl
demo: install
	@.venv/bin/toolkit run fixtures/docs/ar fixtures/docs/fr fixtures/docs/en --to en -n 2 \
	  --skip-missing-models -o $(DEMO_OUT) && .venv/bin/toolkit show -i $(DEMO_OUT)

# pytest exits 5 when it collects nothing: here that is a failure, not a pass.
test: install
	@$(PY) -m pytest -q; s=$$?; if [ $$s -eq 5 ]; then echo "make test: no tests collected" >&2; exit 1; fi; exit $$s

bench: install
	@for f in tests/bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

eval: install
	@for f in tests/eval/eval_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

# The place index extract reads (toolkit/data/geo_index.json.gz), from GeoNames, CLDR, ISO 3166.
geo-index: install
	$(PY) tools/build_geo_index.py

# Rebuild the NER pipelines in toolkit/data/ner/ from ../shared/data/ner (tools/ner/train.py),
# and the given names extract reads beside them (tools/ner/given_names.py, from Faker).
train-ner: install
	$(PY) tools/ner/given_names.py
	$(PY) tools/ner/train.py

lint: install
	.venv/bin/ruff check toolkit tests

clean:
	rm -rf .venv build *.egg-info .pytest_cache .ruff_cache
