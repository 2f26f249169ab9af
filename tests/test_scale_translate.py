"""Throughput options of `toolkit translate`: cores, replicas, compute types, determinism,
and what `toolkit doctor` says about GPUs. Speed itself is in tests/bench."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from toolkit import devices
from toolkit import translate as module
from toolkit.cli import app
from toolkit.translate import check_options, thread_layout, translate_records

pytest_plugins = ["support.argos_fixtures"]
runner = CliRunner()

FR = {"id": "fr1", "lang": "fr", "title": "Rencontre à Tripoli",
      "text": "M. Dupont a reçu l'ambassadeur mardi. Les deux parties ont examiné 5,3 % "
              "des dossiers.\nIl a déclaré : « la situation reste préoccupante »."}


def test_cgroup_quota_caps_the_cores(tmp_path, monkeypatch):
    cpu_max = tmp_path / "cpu.max"
    cpu_max.write_text("150000 100000\n")
    assert devices.cgroup_cpu_quota(str(cpu_max)) == 2  # 1.5 CPUs: two threads
    cpu_max.write_text("max 100000\n")
    assert devices.cgroup_cpu_quota(str(cpu_max)) is None
    assert devices.cgroup_cpu_quota(str(tmp_path / "absent")) is None
    monkeypatch.setattr(devices.os, "sched_getaffinity", lambda pid: set(range(16)))
    monkeypatch.setattr(devices, "cgroup_cpu_quota", lambda: 3)
    assert devices.usable_cores() == 3
    monkeypatch.setattr(devices, "cgroup_cpu_quota", lambda: None)
    assert devices.usable_cores() == 16


def test_replicas_trade_threads(monkeypatch):
    monkeypatch.setattr(module, "usable_cores", lambda: 16)
    assert thread_layout("cpu") == (16, 1)  # one single-threaded replica per core
    assert thread_layout("cpu", replicas=4) == (4, 4)
    assert thread_layout("cpu", threads=2) == (2, 1)  # taskset / --threads respected
    assert thread_layout("cpu", threads=2, replicas=8) == (2, 1)  # never more than threads
    assert thread_layout("cuda") == (2, 1)


def test_usage_errors_name_the_option():
    base = {"to": "en", "source": "fr", "batch_size": 0, "beam_size": 4, "device": "cpu",
            "threads": 0}
    for extra, flag in (({"compute_type": "int4"}, "--compute-type"),
                        ({"batch_type": "pages"}, "--batch-type"),
                        ({"replicas": -1}, "--replicas"),
                        ({"compute_type": "bfloat16"}, "not supported on cpu")):
        with pytest.raises(ValueError, match=flag):
            check_options(**base, **extra)
    result = runner.invoke(app, ["translate", "--compute-type", "int4"], input="")
    assert result.exit_code == 2
    assert "--compute-type must be one of auto, default, int8" in result.stderr


def test_deterministic_is_recorded_and_matches_one_sentence_per_call(installed):
    records = [dict(FR, id=f"fr{n}", text=FR["text"] + f" Le dossier {n} est clos.")
               for n in range(6)]
    alone = [next(iter(translate_records([dict(r)], to="en", cache=None, batch_size=1,
                                         batch_type="examples")))
             for r in records]
    deterministic = list(translate_records([dict(r) for r in records], to="en", cache=None,
                                           deterministic=True))
    for a, b in zip(alone, deterministic):
        assert [s["target"] for s in a["translations"]["en"]["sentences"]] == \
            [s["target"] for s in b["translations"]["en"]["sentences"]]
    assert deterministic[0]["translations"]["en"]["params"]["deterministic"] is True
    assert "deterministic" not in alone[0]["translations"]["en"]["params"]


def test_options_that_change_no_result_give_the_same_output(installed):
    outputs = set()
    for args in (["--replicas", "1"], ["--replicas", "2", "--threads", "2"],
                 ["--batch-size", "32", "--batch-type", "examples", "--threads", "1"]):
        result = runner.invoke(app, ["translate", "--to", "en", "--no-cache", *args],
                               input=json.dumps(FR, ensure_ascii=False) + "\n")
        assert result.exit_code == 0, result.stderr
        outputs.add(result.stdout)
    assert len(outputs) == 1


def test_doctor_without_gpu_is_ready_and_says_so(installed, monkeypatch):
    monkeypatch.setattr(devices, "cuda_device_count", lambda: 0)
    result = runner.invoke(app, ["doctor", "--from", "fr"])
    assert result.exit_code == 0, result.stdout
    assert "no CUDA device visible: translation runs on CPU" in result.stdout
    assert "usable core(s); compute types" in result.stdout


def test_doctor_names_the_cublas_package_when_a_gpu_lacks_it(installed, monkeypatch):
    monkeypatch.setattr(devices, "cuda_device_count", lambda: 1)
    monkeypatch.setattr(devices, "find_cublas", lambda: (None, None))
    monkeypatch.setattr(devices, "supported_compute_types",
                        lambda device: {"float16", "int8_float16"} if device == "cuda"
                        else {"int8", "float32"})
    result = runner.invoke(app, ["doctor", "--from", "fr", "--json"])
    assert result.exit_code == 3
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["translate: CUDA"]["ok"]
    assert "float16, int8_float16" in checks["translate: CUDA"]["detail"]
    assert not checks["translate: cuBLAS"]["ok"]
    assert "pip install nvidia-cublas-cu12" in checks["translate: cuBLAS"]["fix"]
    monkeypatch.setattr(devices, "find_cublas", lambda: (None, "/venv/nvidia/cublas/lib"))
    result = runner.invoke(app, ["doctor", "--from", "fr", "--json"])
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["translate: cuBLAS"]["fix"] == \
        "export LD_LIBRARY_PATH=/venv/nvidia/cublas/lib:$LD_LIBRARY_PATH"


def test_windows_in_flight_keep_order_and_pivots(installed, monkeypatch):
    from support.run_corpus import fixture_documents

    monkeypatch.setitem(module.WINDOW, "cpu", (4, 2048))  # several windows in flight
    records = []
    for n, (lang, path) in enumerate(fixture_documents()[::3]):
        title, _, body = path.read_text("utf-8").strip().partition("\n")
        records.append({"id": f"{n}", "lang": lang, "title": title, "text": body[:300]})
    together = list(translate_records([dict(r) for r in records], to="fr", cache=None))
    assert [r["id"] for r in together] == [r["id"] for r in records]
    assert {r["translations"]["fr"]["pivot"] for r in together if r["lang"] == "ar"} == {"en"}
    for record, out in zip(records[::2], together[::2]):
        (alone,) = translate_records([dict(record)], to="fr", cache=None)
        assert alone == out
