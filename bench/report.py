"""Turning results into the one table and the per-endpoint summary lines.

Ratios are costs relative to Bastion, in both measures, so they read the same way:
"Django 9.8x" means Django spends 9.8 times Bastion's time per request (in-process) or
serves 1/9.8 of Bastion's requests per second (over the wire). Below 1 means faster.
"""

from __future__ import annotations

from typing import Any

from bench.apps import ENDPOINTS, TARGETS

__all__ = ["LABELS", "endpoints_of", "render_summary", "render_table", "render_unavailable"]

LABELS = {"bare": "bare WSGI", "bastion": "Bastion", "flask": "Flask", "django": "Django"}
_ORDER = ("bare", "bastion", "flask", "django")
_HEADINGS = (
    "endpoint",
    "app",
    "in-process µs/req",
    "cost vs Bastion",
    "wire req/s",
    "cost vs Bastion",
)


def endpoints_of(results: dict[str, Any]) -> list[str]:
    """The endpoints a run covered, unavailable ones included, in `ENDPOINTS` order.

    A JSON file saved before runs recorded them lists whichever endpoints have figures.
    """
    if "endpoints" in results:
        return [e for e in ENDPOINTS if e in results["endpoints"]]
    measured: set[str] = set()
    for entry in results["apps"].values():
        measured.update(entry.get("inprocess") or {}, entry.get("wire") or {})
    return [e for e in ENDPOINTS if e in measured]


def _label(endpoint: str) -> str:
    """``queries (20)``: the row count is part of what a ``/queries`` figure means."""
    _, _, query = TARGETS[endpoint].partition("?")
    return f"{endpoint} ({query.partition('=')[2]})" if query else endpoint


def _us(results: dict[str, Any], app: str, endpoint: str) -> float | None:
    timing = (results["apps"][app].get("inprocess") or {}).get(endpoint)
    return None if timing is None else float(timing["median_us"])


def _rps(results: dict[str, Any], app: str, endpoint: str) -> float | None:
    rps = (results["apps"][app].get("wire") or {}).get(endpoint)
    return None if rps is None else float(rps)


def _missing(results: dict[str, Any], app: str, endpoint: str, measure: str) -> str:
    if endpoint in results.get("unavailable", {}):
        return "unavailable" if measure in results["measures"] else "-"
    if results["apps"][app].get("error"):
        return "FAILED"
    if measure == "wire" and results.get("wire_note"):
        return str(results["wire_note"])
    return "-" if measure not in results["measures"] else "n/a"


def _ratio(cost: float | None, bastion_cost: float | None) -> str:
    if cost is None or bastion_cost is None or bastion_cost == 0:
        return "n/a"
    return f"{cost / bastion_cost:.2f}x"


def _rows(results: dict[str, Any]) -> list[tuple[str, ...]]:
    apps = [a for a in _ORDER if a in results["apps"]]
    ran = results["measures"]
    rows: list[tuple[str, ...]] = []
    for endpoint in endpoints_of(results):
        base_us = _us(results, "bastion", endpoint) if "bastion" in apps else None
        base_rps = _rps(results, "bastion", endpoint) if "bastion" in apps else None
        for app in apps:
            us, rps = _us(results, app, endpoint), _rps(results, app, endpoint)
            missing = {m: _missing(results, app, endpoint, m) for m in ("inprocess", "wire")}
            rows.append(
                (
                    _label(endpoint),
                    LABELS[app],
                    f"{us:,.1f}" if us is not None else missing["inprocess"],
                    _ratio(us, base_us) if "inprocess" in ran else "-",
                    f"{rps:,.0f}" if rps is not None else missing["wire"],
                    _ratio(1 / rps if rps else None, 1 / base_rps if base_rps else None)
                    if "wire" in ran
                    else "-",
                )
            )
    return rows


def render_table(results: dict[str, Any], *, markdown: bool = False) -> str:
    """Return the table: one row per endpoint x app, both measures side by side."""
    rows = [_HEADINGS, *_rows(results)]
    if markdown:
        lines = ["| " + " | ".join(row) + " |" for row in rows]
        lines.insert(1, "|" + "|".join(["---"] * 2 + ["---:"] * 4) + "|")
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADINGS))]
    lines = []
    for index, row in enumerate(rows):
        cells = [
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if index == 0 or (index < len(rows) - 1 and rows[index + 1][0] != row[0]):
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _share(other: float, bastion: float, name: str) -> str:
    ratio = other / bastion
    return f"1/{ratio:.1f} of {name}" if ratio >= 1 else f"{1 / ratio:.1f}x {name}"


def _summary_part(costs: dict[str, float | None], label: str) -> str | None:
    bastion = costs.get("bastion")
    if not bastion:
        return None
    parts = [
        _share(c, bastion, LABELS[a]) for a, c in costs.items() if a in ("django", "flask") and c
    ]
    return f"{', '.join(parts)} {label}" if parts else None


def render_summary(results: dict[str, Any]) -> str:
    """Return one line per endpoint: "Bastion costs 1/N of Django, 1/M of Flask"."""
    lines = []
    apps = [a for a in ("django", "flask", "bastion") if a in results["apps"]]
    for endpoint in endpoints_of(results):
        us = {a: _us(results, a, endpoint) for a in apps}
        per_request = {a: (1 / r if (r := _rps(results, a, endpoint)) else None) for a in apps}
        parts = [
            p
            for p in (_summary_part(us, "in-process"), _summary_part(per_request, "over the wire"))
            if p
        ]
        if parts:
            lines.append(f"/{endpoint}: Bastion costs " + "; ".join(parts) + ".")
    return "\n".join(lines)


def render_unavailable(results: dict[str, Any]) -> str:
    """Return one line per reason some endpoints did not run (PostgreSQL unreachable), or ''."""
    reasons: dict[str, list[str]] = {}
    for endpoint, reason in results.get("unavailable", {}).items():
        reasons.setdefault(reason, []).append("/" + endpoint)
    return "\n".join(f"{', '.join(e)} unavailable: {r}" for r, e in reasons.items())
