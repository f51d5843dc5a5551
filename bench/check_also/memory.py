"""Peak memory of a benchmark process."""

from __future__ import annotations

import resource


def peak_mib() -> float:
    """Return this process's peak resident memory in MiB (VmHWM: not inherited at fork)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
