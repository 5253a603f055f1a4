"""Table and plot of the load runs (bench/load/run.sh): reads results/servers-N_stats.csv,
writes results/summary.md and throughput.svg (a plain SVG, no plotting library needed)."""

from __future__ import annotations

import csv
import subprocess
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def aggregated(servers: int) -> dict[str, str] | None:
    path = RESULTS / f"servers-{servers}_stats.csv"
    if not path.exists():
        return None
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == "Aggregated":
                return row
    return None


def svg(rows: list[tuple[int, dict[str, str]]]) -> str:
    """Requests per second (bars) and p50/p95/p99 (labels) per number of app servers."""
    width, height, left, bottom = 620, 300, 60, 250
    top = max(float(row["Requests/s"]) for _, row in rows) * 1.25 or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="13">',
        '<text x="310" y="20" text-anchor="middle" font-weight="bold">'
        "throughput by app servers (locust, 60 s)</text>",
        f'<line x1="{left}" y1="{bottom}" x2="{width - 20}" y2="{bottom}" stroke="#333"/>',
        f'<line x1="{left}" y1="40" x2="{left}" y2="{bottom}" stroke="#333"/>',
        '<text x="15" y="145" transform="rotate(-90 15 145)" text-anchor="middle">'
        "requests/s</text>",
    ]
    for index, (servers, row) in enumerate(rows):
        rps = float(row["Requests/s"])
        bar = (bottom - 40) * rps / top
        x = left + 60 + index * 260
        parts += [
            f'<rect x="{x}" y="{bottom - bar:.1f}" width="120" height="{bar:.1f}" fill="#3a7bd5"/>',
            f'<text x="{x + 60}" y="{bottom - bar - 6:.1f}" text-anchor="middle">'
            f"{rps:.2f}/s</text>",
            f'<text x="{x + 60}" y="{bottom + 18}" text-anchor="middle">'
            f"{servers} app server{'s' if servers > 1 else ''}</text>",
            f'<text x="{x + 60}" y="{bottom + 36}" text-anchor="middle" font-size="11">'
            f"p50 {row['50%']} · p95 {row['95%']} · p99 {row['99%']} ms</text>",
        ]
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main() -> None:
    rows = [(n, row) for n in (1, 2) if (row := aggregated(n)) is not None]
    if not rows:
        raise SystemExit("no results: run bench/load/run.sh first")
    git = ["git", "rev-parse", "--short", "HEAD"]
    commit = subprocess.run(git, capture_output=True, text=True, check=False)  # noqa: S603
    commit_id = commit.stdout.strip()
    lines = [
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit_id}.",
        "",
        "| app servers | requests | failures | requests/s | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for servers, row in rows:
        load = (RESULTS / f"servers-{servers}.load").read_text().strip().replace("\n", " / ")
        lines.append(
            f"| {servers} | {row['Request Count']} | {row['Failure Count']} | "
            f"{float(row['Requests/s']):.2f} | {row['50%']} | {row['95%']} | {row['99%']} | "
            f"{float(row['Max Response Time']):.0f} |"
        )
        lines.append(f"<!-- load average around the {servers}-server run: {load} -->")
    (RESULTS / "summary.md").write_text("\n".join(lines) + "\n")
    (HERE / "throughput.svg").write_text(svg(sorted(rows)))
    print("\n".join(line for line in lines if not line.startswith("<!--")))


if __name__ == "__main__":
    main()
