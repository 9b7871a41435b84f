"""The BLAS kernels that builds compute with, the same on every x86-64 machine.

OpenBLAS picks its kernels by CPU when it loads: on a CPU with AVX-512 it takes SkylakeX's,
whose sums round differently from the Haswell kernels other machines use. Most results differ
in the last bits only, but an iterative solver amplifies that (house-prices-v1's Ridge rung on
sparse one-hot features: predictions 1e-5 apart), and a bundle built there had another hash
than the published one. Every x86-64 CPU since 2013 runs the Haswell kernels, so Tiltyard asks
for those: through ``OPENBLAS_CORETYPE``, which OpenBLAS reads once, when NumPy loads it. A
process that loaded NumPy before Tiltyard keeps its kernels; it builds in a child process (see
``challenges.registry.build``), which inherits the variable.
"""

from __future__ import annotations

import os
import platform

PINNED = "Haswell"
VARIABLE = "OPENBLAS_CORETYPE"


def _applies() -> bool:
    if platform.machine() not in ("x86_64", "AMD64"):
        return False  # other architectures have kernels of their own: nothing to pin
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as cpuinfo:
            flags = next((line for line in cpuinfo if line.startswith("flags")), "")
    except OSError:
        return False
    return " avx2" in flags  # a CPU without AVX2 cannot run the Haswell kernels


def pin() -> None:
    """Ask for the pinned kernels in this process (if NumPy is not loaded yet) and in every
    process it starts; a value the user set is kept."""
    if VARIABLE not in os.environ and _applies():  # a child inherits it: no /proc read at its start
        os.environ[VARIABLE] = PINNED


def pinned_here() -> bool:
    """Whether this process's OpenBLAS runs the kernels asked for (True where none are)."""
    wanted = os.environ.get(VARIABLE)
    if wanted is None:
        return True
    from threadpoolctl import threadpool_info

    loaded = {str(info.get("architecture")).lower() for info in threadpool_info()
              if info.get("internal_api") == "openblas"}
    return loaded <= {wanted.lower()}
