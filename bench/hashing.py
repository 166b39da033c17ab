"""The cost of a login's password check: Bastion's default Argon2id against Django's default.

``python -m bench.hashing [--repeats N]`` prints the median milliseconds of one verification
(the correct password, as in a successful login) for each. Not in the request table (it
measures a deliberately slow function): ``make bench`` shows it in the auth section
(:mod:`bench.auth`).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

__all__ = ["main", "measure"]

PASSWORD = "correct horse battery staple"


def _median_ms(fn: Callable[[], bool], repeats: int) -> float:
    assert fn(), "the verification failed: a fast wrong answer is not a measurement"
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def measure(repeats: int = 15) -> dict[str, tuple[str, float]]:
    """``{name: (parameters, median ms per verify)}``."""
    import django
    from django.conf import settings

    from bastion.auth.hashers import PasswordHashers

    if not settings.configured:
        settings.configure()  # Django's defaults: PBKDF2PasswordHasher first
    from django.contrib.auth import hashers as dj

    bastion = PasswordHashers.defaults()
    ours = bastion.make_password(PASSWORD)
    theirs = dj.make_password(PASSWORD)
    return {
        "bastion (argon2id)": (
            ours.rsplit("$", 2)[0],
            _median_ms(lambda: bastion.check_password(PASSWORD, ours), repeats),
        ),
        f"django {django.__version__} (default)": (
            theirs.rsplit("$", 2)[0],
            _median_ms(lambda: dj.check_password(PASSWORD, theirs), repeats),
        ),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.hashing", description=__doc__)
    parser.add_argument("--repeats", type=int, default=15, help="verifications each (15)")
    args = parser.parse_args(argv)
    print(f"{'framework':<28} {'parameters':<36} {'median ms/verify':>16}")
    for name, (params, ms) in measure(args.repeats).items():
        print(f"{name:<28} {params:<36} {ms:>16.1f}")


if __name__ == "__main__":
    main()
