"""``--awake-cpus`` holds the PM QoS request only inside its block, and says when it cannot."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from bench import latency


def test_awake_cpus_says_why_when_the_file_cannot_be_opened(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(latency, "_PM_QOS", str(tmp_path / "missing" / "cpu_dma_latency"))
    with latency.awake_cpus() as problem:
        assert problem is not None
        assert "cannot keep the CPUs awake" in problem


@pytest.mark.skipif(
    not os.access("/dev/cpu_dma_latency", os.W_OK), reason="needs write access (root)"
)
def test_awake_cpus_holds_zero_and_releases_it() -> None:
    def current() -> int:
        with open("/dev/cpu_dma_latency", "rb") as qos:
            value: int = struct.unpack("i", qos.read(4))[0]
            return value

    before = current()
    with latency.awake_cpus() as problem:
        assert problem is None
        assert current() == 0
    assert current() == before
