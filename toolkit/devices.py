"""What this process may compute on: usable CPU cores, CUDA devices, cuBLAS, compute types.

Used by translate (replicas and threads, --device auto, --compute-type) and by `toolkit
doctor`. CTranslate2 is imported only inside the functions that need it.
"""

from __future__ import annotations

import os
from pathlib import Path

# CTranslate2 4.x wheels are built against CUDA 12 and load cuBLAS by this name.
CUBLAS_LIBRARY = "libcublas.so.12"
CUBLAS_PIP_PACKAGE = "nvidia-cublas-cu12"


def usable_cores() -> int:
    """The cores this process may use: its CPU affinity, capped by a cgroup v2 quota."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    quota = cgroup_cpu_quota()
    return max(1, min(cores or 1, quota or cores or 1))


def cgroup_cpu_quota(path: str = "/sys/fs/cgroup/cpu.max") -> int | None:
    """ceil(quota / period) from cgroup v2's cpu.max; None without a quota ("max ...")."""
    try:
        with open(path, encoding="ascii") as handle:
            quota, period = handle.read().split()[:2]
    except (OSError, ValueError):
        return None
    if quota == "max":
        return None
    try:
        return max(1, -(-int(quota) // int(period)))
    except (ValueError, ZeroDivisionError):
        return None


def cuda_device_count() -> int:
    """CUDA devices CTranslate2 sees (0 without a GPU, a driver, or CTranslate2)."""
    try:
        import ctranslate2

        return ctranslate2.get_cuda_device_count()
    except (ImportError, RuntimeError, OSError):
        return 0


def resolve_device(device: str) -> str:
    if device != "auto":
        return device
    return "cuda" if cuda_device_count() > 0 else "cpu"


def supported_compute_types(device: str) -> set[str] | None:
    """The compute types CTranslate2 offers on `device` here, None when it cannot say."""
    try:
        import ctranslate2

        return set(ctranslate2.get_supported_compute_types(device))
    except (ImportError, RuntimeError, ValueError, OSError):
        return None


def find_cublas() -> tuple[str | None, str | None]:
    """(how the dynamic loader finds cuBLAS 12 or None, the pip package's lib folder or None)."""
    import ctypes

    try:
        ctypes.CDLL(CUBLAS_LIBRARY)
        loaded = CUBLAS_LIBRARY
    except OSError:
        loaded = None
    return loaded, _pip_cublas_folder()


def _pip_cublas_folder() -> str | None:
    from importlib.util import find_spec

    try:
        spec = find_spec("nvidia.cublas")
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        lib = Path(folder) / "lib"
        if (lib / CUBLAS_LIBRARY).exists():
            return str(lib)
    return None


def doctor_checks() -> list[dict]:
    """GPU facts for `toolkit doctor`; only a visible GPU without cuBLAS is a problem."""
    cpu_types = sorted(supported_compute_types("cpu") or [])
    checks = [{"name": "translate: CPU", "ok": True,
               "detail": f"{usable_cores()} usable core(s); compute types "
                         f"{', '.join(cpu_types) or 'unknown'}"}]
    devices = cuda_device_count()
    loaded, pip_folder = find_cublas()
    if loaded:
        cublas = f"{CUBLAS_LIBRARY} found by the dynamic loader"
    elif pip_folder:
        cublas = (f"{CUBLAS_LIBRARY} is in {pip_folder} ({CUBLAS_PIP_PACKAGE}) but not on "
                  "the loader's path")
    else:
        cublas = f"{CUBLAS_LIBRARY} not found"
    if devices == 0:
        checks.append({"name": "translate: CUDA", "ok": True,
                       "detail": f"no CUDA device visible: translation runs on CPU "
                                 f"({cublas})"})
        return checks
    cuda_types = sorted(supported_compute_types("cuda") or [])
    checks.append({"name": "translate: CUDA", "ok": True,
                   "detail": f"{devices} device(s) visible; compute types "
                             f"{', '.join(cuda_types) or 'unknown'}"})
    fix = (f"export LD_LIBRARY_PATH={pip_folder}:$LD_LIBRARY_PATH" if pip_folder else
           f"pip install {CUBLAS_PIP_PACKAGE} and put its nvidia/cublas/lib folder on "
           f"LD_LIBRARY_PATH (CTranslate2 4.x loads {CUBLAS_LIBRARY}; with only a newer "
           f"cuBLAS, a {CUBLAS_LIBRARY} link to it has been seen to work)")
    checks.append({"name": "translate: cuBLAS", "ok": loaded is not None, "detail": cublas,
                   "fix": "" if loaded else fix})
    return checks
