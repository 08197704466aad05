"""The benchmark's tables (plain text, also pasted into BENCHMARKS.md) and its target checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

NA = "n/a"

R = dict[str, Any]


def _get(data: R, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _fmt(value: Any, unit: str = "", digits: int = 2) -> str:
    if value is None:
        return NA
    if isinstance(value, float):
        text = f"{value:,.{digits}f}" if abs(value) < 1000 else f"{value:,.0f}"
    else:
        text = f"{value:,}" if isinstance(value, int) else str(value)
    return f"{text}{unit}"


def _ratio(a: Any, b: Any) -> float | None:
    if a is None or b is None or not b:
        return None
    return float(a) / float(b)


def _err(size: R, key: str) -> str | None:
    error = _get(size, key, "error")
    return f"{NA} ({error})" if error else None


# Rows of the main table: label → function of one size's results → cell text.
def _rows() -> list[tuple[str, Callable[[R], str]]]:
    def cell(key: str, *path: str, unit: str = "", digits: int = 2, scale: float = 1.0):
        def f(s: R) -> str:
            value = _get(s, key, *path)
            if value is None:
                return _err(s, key) or NA
            return _fmt(value * scale if scale != 1 else value, unit, digits)

        return f

    def changes(s: R) -> str:
        c = s.get("changes", {})
        if "error" in c:
            return _err(s, "changes") or NA
        counts = f"+{c.get('added')} ~{c.get('changed')} -{c.get('removed')}"
        return f"{_fmt(c.get('seconds'), ' s')} ({counts})"

    def nochange(s: R) -> str:
        runs = [r for r in _get(s, "nochange", "runs_s") or [] if r is not None]
        if not runs:
            return _err(s, "nochange") or NA
        each = ", ".join(f"{r:.2f}" for r in runs)
        return f"{_fmt(sorted(runs)[len(runs) // 2], ' s')} (runs {each})"

    def cli(s: R) -> str:
        ms = _get(s, "cli", "ms")
        if not ms:
            return _err(s, "cli") or NA
        return " / ".join(f"{v:.0f} ms" for v in ms.values())

    def rss(s: R) -> str:
        parts = []
        for key in ("build", "queries", "first", "app"):
            value, child = _get(s, key, "rss_mb"), _get(s, key, "child_rss_mb")
            if value is not None:
                workers = f" + worker {child:.0f} MB" if child and child > 1 else ""
                parts.append(f"{key} {value:.0f} MB{workers}")
        return ", ".join(parts) or NA

    return [
        ("posts", lambda s: _fmt(s["posts"])),
        ("cold build (parse + index)", cell("build", "seconds", unit=" s", digits=1)),
        ("cold build speed", cell("build", "posts_per_s", unit=" posts/s", digits=0)),
        ("cold build CPU time (process + workers)", cell("build", "cpu_s", unit=" s", digits=1)),
        ("first hits searchable (library, unindexed)", cell("first", "searchable_s", unit=" s")),
        ("first rows browsable (library, unindexed)", cell("first", "browsable_s", unit=" s")),
        ("app: launch to first hits, unindexed", cell("app_unindexed", "seconds", unit=" s")),
        ("re-run, nothing changed (open + update)", nochange),
        ("update after 10 added/10 changed/10 removed", changes),
        ("update putting them back", cell("revert", "seconds", unit=" s")),
        ("app: launch to results shown (indexed)", cell("app", "seconds", unit=" s")),
        ("`vidbrowse search` process (common / rare)", cli),
        (
            "query + facets + page, all kinds p50",
            cell("queries", "all", "p50", unit=" ms", digits=1),
        ),
        (
            "query + facets + page, all kinds p95",
            cell("queries", "all", "p95", unit=" ms", digits=1),
        ),
        ("first query after open", cell("queries", "first_query_ms", unit=" ms", digits=1)),
        ("open an indexed library", cell("queries", "open_s", unit=" s")),
        ("scroll all rows: pages of 50", cell("queries", "scroll", "pages")),
        ("scroll: per page p50", cell("queries", "scroll", "p50", unit=" ms", digits=3)),
        ("scroll: per page p95", cell("queries", "scroll", "p95", unit=" ms", digits=3)),
        ("scroll: whole list", cell("queries", "scroll", "total_s", unit=" s")),
        ("peak RSS (per process)", rss),
        ("cold build, whole process group: RSS sum", cell("build", "group_rss_mb", unit=" MB",
                                                          digits=0)),
        ("cold build, whole process group: Pss sum", cell("build", "group_pss_mb", unit=" MB",
                                                          digits=0)),
        ("index size on disk", lambda s: _fmt(s.get("index_mb"), " MB", 1)),
        ("FTS5 build (parse + index)", cell("fts5", "build_s", unit=" s", digits=1)),
        ("FTS5 build CPU time", cell("fts5", "build_cpu_s", unit=" s", digits=1)),
        ("FTS5 build + query mix CPU time", cell("fts5", "cpu_s", unit=" s", digits=1)),
        ("FTS5 query + count + tag facets p50", cell("fts5", "all", "p50", unit=" ms", digits=1)),
        ("FTS5 query + count + tag facets p95", cell("fts5", "all", "p95", unit=" ms", digits=1)),
        ("FTS5 database size", cell("fts5", "db_mb", unit=" MB", digits=1)),
        ("plain Whoosh build (parse + index)", cell("whoosh", "seconds", unit=" s", digits=1)),
        ("plain Whoosh build speed", cell("whoosh", "posts_per_s", unit=" posts/s", digits=0)),
        ("plain Whoosh build CPU time", cell("whoosh", "cpu_s", unit=" s", digits=1)),
    ]


def _ratio_rows() -> list[tuple[str, Callable[[R], float | None]]]:
    def scan_vs(s: R) -> float | None:
        ratios = [
            _ratio(v["p50"], _get(s, "queries", "kinds", k, "p50"))
            for k, v in (_get(s, "scan", "kinds") or {}).items()
        ]
        ratios = [r for r in ratios if r is not None]
        return min(ratios) if ratios else None

    def cli_vs_scan(s: R) -> float | None:
        ms = _get(s, "cli", "ms") or {}
        scans = _get(s, "scan", "by_text_ms") or {}
        ratios = [_ratio(v, scans.get(word)) for word, v in ms.items()]
        ratios = [r for r in ratios if r is not None]
        return max(ratios) if ratios else None

    return [
        (
            "cold build speed / plain Whoosh (x, higher is better)",
            lambda s: _ratio(_get(s, "build", "posts_per_s"), _get(s, "whoosh", "posts_per_s")),
        ),
        (
            "plain Whoosh CPU time / cold build CPU time (x)",
            lambda s: _ratio(_get(s, "whoosh", "cpu_s"), _get(s, "build", "cpu_s")),
        ),
        (
            "cold build time / FTS5 build time (x)",
            lambda s: _ratio(_get(s, "build", "seconds"), _get(s, "fts5", "build_s")),
        ),
        (
            "cold build CPU / FTS5 build CPU (x, process groups)",
            lambda s: _ratio(_get(s, "build", "cpu_s"), _get(s, "fts5", "build_cpu_s")),
        ),
        (
            "query p95 / FTS5 p95 (x, lower is better)",
            lambda s: _ratio(_get(s, "queries", "all", "p95"), _get(s, "fts5", "all", "p95")),
        ),
        (
            "query p50 / FTS5 p50 (x)",
            lambda s: _ratio(_get(s, "queries", "all", "p50"), _get(s, "fts5", "all", "p50")),
        ),
        ("scan p50 / vidbrowse p50, worst kind (x faster)", scan_vs),
        ("`vidbrowse search` process / scan, worst word (x)", cli_vs_scan),
    ]


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"  # noqa: E731
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), sep, *(line(r) for r in rows)])


def _first_count(size: R, peer: str, kind: str) -> str:
    """Hits of the kind's first query, to show where the engines' semantics differ."""
    counts = _get(size, peer, "counts", kind)
    return _fmt(counts[0]) if counts else "-"


def kind_table(report: R) -> str:
    rows: list[list[str]] = []
    for n, s in report["sizes"].items():
        for kind in report["kinds"]:
            vb = _get(s, "queries", "kinds", kind) or {}
            fts = _get(s, "fts5", "kinds", kind) or {}
            scan = _get(s, "scan", "kinds", kind) or {}
            rows.append(
                [
                    f"{int(n):,}",
                    kind,
                    _fmt(vb.get("p50"), digits=1),
                    _fmt(vb.get("p95"), digits=1),
                    _fmt(fts.get("p50"), digits=1),
                    _fmt(fts.get("p95"), digits=1),
                    _fmt(scan.get("p50"), digits=0),
                    _fmt(_ratio(vb.get("p95"), fts.get("p95")), "x"),
                    _fmt(_ratio(scan.get("p50"), vb.get("p50")), "x", 0),
                    "/".join(_first_count(s, peer, kind) for peer in ("queries", "fts5", "scan")),
                ]
            )
    header = [
        "posts",
        "kind",
        "vb p50 ms",
        "vb p95 ms",
        "FTS5 p50",
        "FTS5 p95",
        "scan p50",
        "vb/FTS5 p95",
        "scan/vb p50",
        "hits vb/FTS5/scan",
    ]
    return _table(header, rows)


def main_table(report: R) -> str:
    sizes = report["sizes"]
    header = ["measure", *(f"{int(n):,} posts" for n in sizes)]
    rows = [[label, *(f(s) for s in sizes.values())] for label, f in _rows()]
    rows += [[label, *(_fmt(f(s), "x") for s in sizes.values())] for label, f in _ratio_rows()]
    return _table(header, rows)


def targets(report: R) -> list[dict[str, Any]]:
    """Each target of the issue, per size where it applies: value, limit, met (None: unmeasured)."""
    out: list[dict[str, Any]] = []

    def check(name: str, n: str, value: float | None, limit: float, *, at_least: bool = False):
        met = None if value is None else (value >= limit if at_least else value <= limit)
        out.append({"target": name, "posts": int(n), "value": value, "limit": limit, "met": met})

    ratio_rows = dict(_ratio_rows())
    for n, s in report["sizes"].items():
        big = int(n) >= 100_000
        check("query+facets p95 (ms)", n, _get(s, "queries", "all", "p95"), 100 if big else 50)
        check(
            "query p95 / FTS5 p95", n, ratio_rows["query p95 / FTS5 p95 (x, lower is better)"](s), 2
        )
        check(
            "scan / vidbrowse p50, worst kind",
            n,
            ratio_rows["scan p50 / vidbrowse p50, worst kind (x faster)"](s),
            10,
            at_least=True,
        )
        check(
            "`vidbrowse search` process / scan",
            n,
            ratio_rows["`vidbrowse search` process / scan, worst word (x)"](s),
            1,
        )
        check("app launch to results, indexed (s)", n, _get(s, "app", "seconds"), 1)
        runs = [r for r in _get(s, "nochange", "runs_s") or [] if r is not None]
        check("no-change re-run (s)", n, sorted(runs)[len(runs) // 2] if runs else None, 1)
        check("30 changes (s)", n, _get(s, "changes", "seconds"), 3)
        first = _get(s, "app_unindexed", "seconds") or _get(s, "first", "searchable_s")
        check("first results searchable, unindexed (s)", n, first, 5)
        check(
            "cold build CPU / FTS5 build CPU",
            n,
            ratio_rows["cold build CPU / FTS5 build CPU (x, process groups)"](s),
            2,
        )
        check(
            "cold build / plain Whoosh",
            n,
            ratio_rows["cold build speed / plain Whoosh (x, higher is better)"](s),
            3,
            at_least=True,
        )
        if big:
            rss = [
                _get(s, k, m)
                for k in ("build", "queries", "first", "app")
                for m in ("rss_mb", "child_rss_mb")
            ]
            rss = [r for r in rss if r is not None]
            check("peak RSS (MB)", n, max(rss) if rss else None, 300)
    return out


def targets_table(report: R) -> str:
    rows = []
    for t in report["targets"]:
        met = {True: "met", False: "MISSED", None: "not measured"}[t["met"]]
        value = t["value"]
        rows.append([t["target"], f"{t['posts']:,}", _fmt(value), _fmt(t["limit"]), met])
    return _table(["target", "posts", "value", "limit", "result"], rows)


def print_report(report: R) -> None:
    m = report["machine"]
    print(
        f"\nvidbrowse benchmarks — {m['date']} — {m['nproc']} CPUs, {m['cpu']}, "
        f"Python {m['python']}, scan peer: {m['scan_tool']}\n"
    )
    state = m.get("commit", "") + (" + uncommitted changes" if m.get("uncommitted_changes") else "")
    print(
        f"commit {state or 'unknown'}; 1-min load average {m.get('load_at_start', '?')} at "
        f"start, {m.get('load_at_end', '?')} at end (other processes share the CPUs)\n"
    )
    print(main_table(report))
    print(
        "\nQuery + facets latency by kind (ms; vb = vidbrowse; scan = files matching, no index)\n"
    )
    print(kind_table(report))
    print("\nTargets\n")
    print(targets_table(report))
