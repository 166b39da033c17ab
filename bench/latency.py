"""Keeping the CPUs awake for a run: ``--awake-cpus``, off by default.

A database round trip over loopback wakes the server process and then the app again. On an
idle machine, and in virtual machines especially, a core that went to sleep while waiting
takes tens of microseconds to wake, and how often that happens depends on where the
scheduler put each process: one round trip measured 30 µs to 130 µs on a 2-core VM, which
moved the database figures by ±40 % between runs. Writing 0 to ``/dev/cpu_dma_latency`` (the
kernel's PM QoS interface, what ``tuned``'s latency-performance profile does) keeps idle
cores polling instead of sleeping for as long as the file stays open; the kernel restores
the default when it is closed, so the setting cannot outlive the run.

Off by default: it needs root, spends power while it lasts, and measures a busy server's
round trips rather than an idle one's, so its figures are not comparable with a default run.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["awake_cpus"]

_PM_QOS = "/dev/cpu_dma_latency"


@contextmanager
def awake_cpus() -> Iterator[str | None]:
    """Hold the CPUs out of sleep states while the block runs.

    Yields:
        None when the request is held, else why it could not be (not root, no such file).
    """
    try:
        qos = open(_PM_QOS, "wb", buffering=0)  # noqa: SIM115 - held open for the whole block
    except OSError as exc:
        yield f"cannot keep the CPUs awake: {exc.strerror} ({_PM_QOS})"
        return
    with qos:
        qos.write(struct.pack("i", 0))  # the largest exit latency allowed, in µs
        yield None
