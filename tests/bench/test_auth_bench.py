"""The auth section of ``make bench`` with tiny repeat counts: sane figures, right answers.

It runs in a child process (as ``make bench`` does): Django can be configured only once per
process. A fast wrong answer is not a measurement, so the answers are checked too.
"""

from __future__ import annotations

from bench.auth import measure_auth, render_auth
from bench.permissions import GRANTED


def test_every_auth_measure_answers_rightly_with_positive_figures() -> None:
    results = measure_auth(repeats=3, hash_repeats=1)
    operations = [row["operation"] for row in results["rows"]]
    assert operations[0] == "login: password verify"
    assert len(operations) == 5
    for row in results["rows"]:
        ours, theirs = row["us"]
        assert ours > 0, row
        assert theirs > 0, row
    for framework in ("bastion", "django"):
        answers = results["answers"][framework]
        assert answers.pop("listed") == GRANTED
        assert answers  # every has_perm variant of that framework
        for variant, answer in answers.items():
            assert answer == {"granted": True, "other": False}, (framework, variant)
    assert "django-guardian" not in render_auth(results)  # plain table, no error
    assert "| login: password verify |" in render_auth(results, markdown=True)
