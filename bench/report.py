"""Write bench/REPORT.md and its charts from a results file of bench/run.py."""

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - the backend must be chosen first

HERE = Path(__file__).parent
REPORT = HERE / "REPORT.md"
CHARTS = HERE / "charts"


def command_output(command: list[str]) -> str:
    try:
        completed = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            command, capture_output=True, text=True, timeout=10, check=False
        )
    except OSError:
        return "not found"
    lines = (completed.stdout + completed.stderr).strip().splitlines()
    return lines[0] if lines else "unknown"


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def load_after(results: dict) -> str:
    """Describe the load average at the end of the run, or now for older results."""
    if "load_after" in results:
        return f"{results['load_after']:.1f} at the end of the run"
    return f"{os.getloadavg()[0]:.1f} when the report was written"


def versions(results: dict) -> list[tuple[str, str]]:
    venv = Path(sys.executable).parent
    # Results written before the run recorded its commit fall back to HEAD.
    commit = results.get("commit") or command_output(
        ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"]
    )
    return [
        ("Python", platform.python_version()),
        ("wrk", command_output(["wrk", "--version"])),
        ("HAProxy", command_output(["haproxy", "-v"])),
        ("gunicorn", command_output([str(venv / "gunicorn"), "--version"])),
        ("Postgres", command_output(["bash", "-c", "ls /usr/lib/postgresql | sort -n | tail -1"])),
        ("Redis", command_output(["redis-server", "--version"])),
        ("git commit", commit),
    ]


def ms(value) -> str:
    return "-" if value is None else f"{value:.1f}"


def charts(results: dict) -> None:
    CHARTS.mkdir(exist_ok=True)
    scenarios = results["scenarios"]
    ceiling = scenarios[0]["saturation"]["rps"]
    labels = [s["label"] for s in scenarios]

    figure, axes = plt.subplots(figsize=(8, 4))
    axes.barh(labels, [s["saturation"]["rps"] / ceiling for s in scenarios], color="tab:blue")
    axes.axvline(0.5, color="tab:red", linestyle="--", label="mix target 0.5")
    axes.axvline(0.7, color="tab:orange", linestyle=":", label="GET post target 0.7")
    axes.set_xlabel("requests per second at saturation / ceiling")
    axes.invert_yaxis()
    axes.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(CHARTS / "throughput.png", dpi=100)
    plt.close(figure)

    figure, axes = plt.subplots(figsize=(8, 4))
    width = 0.27
    for offset, p in enumerate(("50", "90", "99")):
        positions = [i + (offset - 1) * width for i in range(len(scenarios))]
        values = [s["fixed"]["latency_ms"][p] for s in scenarios]
        axes.bar(positions, values, width, label=f"p{p}")
    axes.set_xticks(range(len(scenarios)), labels, rotation=30, ha="right")
    axes.set_ylabel("latency at half the saturation rate (ms)")
    axes.set_yscale("log")
    axes.legend()
    figure.tight_layout()
    figure.savefig(CHARTS / "latency.png", dpi=100)
    plt.close(figure)


def targets(results: dict) -> list[tuple[str, bool, str]]:
    by_key = {s["key"]: s for s in results["scenarios"]}
    ceiling = by_key["ceiling"]["saturation"]["rps"]
    mix = by_key["mix"]["saturation"]["rps"] / ceiling
    post = by_key["post"]["saturation"]["rps"] / ceiling
    big = max(s["posts"] for s in results["scale"])
    scale = {(s["followees"], s["posts"]): s["fixed"]["latency_ms"] for s in results["scale"]}
    p99_1000 = scale[(1000, big)]["99"]
    growth = max(scale[(k, big)]["50"] / scale[(k, 10_000)]["50"] for k in (10, 100, 1000))
    asyn = results["async"]
    exactly_once = (
        asyn["accepted"] == asyn["accepted_distinct"] == asyn["inserted"] == asyn["distinct"]
        and asyn["accepted_not_inserted"] == 0
        and asyn["inserted_not_accepted"] == 0
    )
    errors = sum(s["saturation"]["errors"] + s["fixed"]["errors"] for s in results["scenarios"])
    errors += sum(s["saturation"]["errors"] + s["fixed"]["errors"] for s in results["scale"])
    errors += asyn["sent"]["errors"]
    return [
        ("mix reaches half of the ceiling", mix >= 0.5, f"{mix:.2f} of the ceiling"),
        ("GET one post reaches 70% of the ceiling", post >= 0.7, f"{post:.2f} of the ceiling"),
        (
            f"home p99 < 50 ms, 1,000 followees, {big:,} posts",
            p99_1000 < 50,
            f"p99 {p99_1000:.1f} ms",
        ),
        (
            f"home latency at {big:,} posts at most twice that at 10,000",
            growth <= 2,
            f"worst p50 ratio {growth:.2f}",
        ),
        (
            f"async post p99 < 1 s at {asyn['rate']}/s",
            (asyn["latency_ms"]["99"] or 1e9) < 1000,
            f"p99 {ms(asyn['latency_ms']['99'])} ms",
        ),
        (
            "every accepted async post appears exactly once",
            exactly_once,
            f"{asyn['accepted']} accepted, {asyn['inserted']} inserted, "
            f"{asyn['distinct']} distinct, {asyn['accepted_not_inserted']} accepted "
            f"but missing, {asyn['inserted_not_accepted']} inserted but not accepted",
        ),
        ("zero errors in every scenario", errors == 0, f"{errors} errors"),
    ]


def scenario_rows(results: dict) -> list[str]:
    ceiling = results["scenarios"][0]["saturation"]["rps"]
    rows = [
        "| scenario | req/s at saturation | ratio to ceiling | fixed rate (achieved) "
        "| p50 ms | p90 ms | p99 ms | errors | load avg |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in results["scenarios"] + results["scale"]:
        sat, fixed = s["saturation"], s["fixed"]
        latency = fixed["latency_ms"]
        rows.append(
            f"| {s['label']} | {sat['rps']:.0f} | {sat['rps'] / ceiling:.2f} "
            f"| {fixed['target_rps']:.0f} ({fixed['rps']:.0f}) | {ms(latency['50'])} "
            f"| {ms(latency['90'])} | {ms(latency['99'])} | {sat['errors'] + fixed['errors']} "
            f"| {fixed['load_average']:.1f} |"
        )
    return rows


def login_lines(results: dict) -> list[str]:
    login = next((s for s in results["scenarios"] if s["key"] == "login"), None)
    if login is None:
        return []
    rps = login["saturation"]["rps"]
    reused = login["accounts_used"] > login["accounts"]
    return [
        f"Password check: `GET /user/authenticate` on the users service, each request as "
        f"another of {login['accounts']:,} accounts, so each one runs an Argon2id "
        f"verification: {rps:.1f} checks/s at saturation, about "
        f"{1000 / rps if rps else 0:.0f} ms of the users service per check. "
        + (
            f"The runs used {login['accounts_used']:,} sequence numbers, so some "
            "accounts repeated and may have hit the cache."
            if reused
            else f"The runs used {login['accounts_used']:,} accounts, none twice."
        )
    ]


def write_report(results: dict) -> None:
    asyn = results["async"]
    data = results["dataset"]
    lines = [
        "# Benchmark report",
        "",
        "Written by `scripts/bench`; rerun it to regenerate this page. "
        "Notes on method are at the end.",
        "",
        f"- Command: `{results['command']}`, started {results['started_at']}, "
        f"took {results['elapsed_s']} s",
        f"- Machine: {os.cpu_count()} cores, {cpu_model()}, "
        f"load average {results.get('load_before') or 'not recorded'} (1, 5, 15 min) "
        f"before the stack started, {load_after(results)} "
        "(the machine is shared, and the stack itself loads it; see the load column)",
        "- Versions: " + ", ".join(f"{name} {value}" for name, value in versions(results)),
        f"- wrk: {results['threads']} threads, {results['connections']} connections, "
        f"{results['duration_s']} s per measurement after a warm-up",
        "- Stack: one instance of each service (2 gunicorn workers x 4 threads), "
        f"{results.get('workers', 1)} worker process(es) of each kind",
        f"- Data: {data['users']:,} users + 3 with exactly 10, 100 and 1,000 followees, "
        f"{data['follows']:,} follows (the most followed account has "
        f"{data['top_followers']:,} followers), {results['posts']:,} posts, "
        f"{data['likes']:,} likes, {results['polls']} polls",
        "- Load time (s): "
        + ", ".join(f"{k} {v}" for k, v in data["load_seconds"].items())
        + f"; total {sum(data['load_seconds'].values()):.1f}",
        "",
        "## Targets",
        "",
        "| target | met | measured |",
        "|---|---|---|",
    ]
    for name, met, measured in targets(results):
        lines.append(f"| {name} | {'yes' if met else 'NO'} | {measured} |")
    lines += [
        "",
        "## Scenarios",
        "",
        "Latency percentiles are measured at a fixed rate of half the saturation rate.",
        "",
        *scenario_rows(results),
        "",
        f"Async post at {asyn['rate']} posts/s for {results['duration_s']} s, from send to "
        f"insert: p50 {ms(asyn['latency_ms']['50'])} ms, p90 {ms(asyn['latency_ms']['90'])} ms, "
        f"p99 {ms(asyn['latency_ms']['99'])} ms; achieved {asyn['sent']['rps']:.0f} posts/s, "
        f"{asyn['accepted']} accepted (job ids of the 202 responses, recorded by "
        f"`bench/load.lua`), {asyn['inserted']} inserted, {asyn['distinct']} distinct, "
        f"{asyn['sent']['errors']} errors.",
        "",
        *login_lines(results),
        "",
        "![throughput relative to the ceiling](charts/throughput.png)",
        "",
        "![latency percentiles](charts/latency.png)",
        "",
    ]
    notes = HERE / "NOTES.md"
    if notes.exists():
        lines += [notes.read_text().rstrip(), ""]
    REPORT.write_text("\n".join(lines))


def main(argv: list[str]) -> int:
    results = json.loads(Path(argv[0]).read_text())
    charts(results)
    write_report(results)
    print(f"report written to {REPORT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
