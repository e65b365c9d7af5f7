"""Load the data set, run every wrk scenario against a running stack and save the results.

scripts/bench starts the stack and the ceiling service, then runs this module;
bench/report.py turns the results into bench/REPORT.md and its charts.
"""

import argparse
import base64
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from bench import generate

HERE = Path(__file__).parent
LOAD_SCRIPT = HERE / "load.lua"
THREADS = 2
CONNECTIONS = 16
# Posts loaded before the first home-timeline scale measurement.
SMALL_POST_COUNT = 10_000
ASYNC_RATE = 200
# After its send window the async run waits this long, so every request sent
# gets its response or times out (wrk's timeout is 5 s).
ASYNC_RESPONSE_WAIT_S = 6
# Maximum wait for the timeline worker to insert every accepted async post.
ASYNC_DRAIN_TIMEOUT_S = 120
# The password-check scenario logs in as these accounts in turn, so no
# verified password is cached until it has used them all. The results record
# how many it used.
LOGIN_ACCOUNTS = 5_000
# Scenarios that take sequence numbers (see load.lua) and must not reuse them.
SEQUENCED = ("like", "vote", "login")
# The scenarios measured at saturation and at half that rate.
SCENARIOS = [
    ("ceiling", "ceiling"),
    ("post", "GET one post"),
    ("user_timeline", "user timeline"),
    ("home", "home timeline"),
    ("compose", "synchronous post"),
    ("like", "like"),
    ("vote", "vote"),
    ("mix", "mix 60/30/10"),
]
# Measured last, because the users service is still busy with queued
# password checks for some seconds after this scenario's runs end.
LOGIN_SCENARIO = ("login", f"password check, {LOGIN_ACCOUNTS:,} accounts")
MODES = {
    "smoke": {"posts": 2_000, "duration_s": 2, "warmup_s": 1},
    "quick": {"posts": 100_000, "duration_s": 8, "warmup_s": 2},
    "full": {"posts": 1_000_000, "duration_s": 30, "warmup_s": 5},
}
# The scenarios of the smoke mode, which checks that the scripts work.
SMOKE_SCENARIOS = [("ceiling", "ceiling"), ("post", "GET one post")]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=sorted(MODES), default="quick")
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--api-url", required=True, help="HAProxy of the stack")
    parser.add_argument("--ceiling-url", required=True, help="HAProxy of the ceiling service")
    parser.add_argument("--pg-url", required=True, help="postgresql:// URL without a database")
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--dynamodb-url", required=True)
    parser.add_argument("--work-dir", type=Path, required=True, help="folder for run files")
    parser.add_argument("--results", type=Path, required=True, help="JSON file to write")
    parser.add_argument("--command", default="", help="command line to record in the results")
    parser.add_argument(
        "--load-before",
        default="",
        help="load averages (1, 5, 15 min) before the stack started, to record in the results",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="worker processes of each kind in the stack"
    )
    return parser.parse_args(argv)


class Runner:
    """Run wrk with bench/load.lua and keep every result."""

    def __init__(self, args: argparse.Namespace, duration_s: int, warmup_s: int):
        self.args = args
        self.duration_s = duration_s
        self.warmup_s = warmup_s
        self.data_file = args.work_dir / "data.lua"
        # Next unused sequence number per scenario in SEQUENCED.
        self.offsets = dict.fromkeys(SEQUENCED, 0)

    def write_data(self, manifest: dict, run_id: str, extra: dict | None = None) -> None:
        """Write the Lua table that load.lua reads: accounts, credentials, posts and polls."""
        password = manifest["password"]
        actors = manifest["actors"]
        login_names = generate.regular_names(manifest["users"])[:LOGIN_ACCOUNTS]
        table = {
            "threads": THREADS,
            "run_id": run_id,
            "actors": actors,
            "auths": [basic(name, password) for name in actors],
            "login_auths": [basic(name, password) for name in login_names],
            "authors": actors[:16] + [f"{generate.USER_PREFIX}{n:06d}" for n in range(16)],
            "first_post_id": manifest["first_post_id"],
            "last_post_id": manifest["last_post_id"],
            "polls": [[poll["poll_id"], poll["owner"]] for poll in manifest["polls"]],
            **(extra or {}),
        }
        self.data_file.write_text("return " + to_lua(table) + "\n")

    def wrk(
        self, scenario: str, url: str, rate: float, duration_s: int, extra: list[str] = ()
    ) -> dict:
        """Run wrk once and return its BENCH_RESULT, with the achieved rate."""
        offset = self.offsets.get(scenario, 0)
        command = [
            "wrk",
            f"--threads={THREADS}",
            f"--connections={CONNECTIONS}",
            f"--duration={duration_s}s",
            "--timeout=5s",
            f"--script={LOAD_SCRIPT}",
            url,
            "--",
            scenario,
            str(self.data_file),
            str(rate),
            str(offset),
            *extra,
        ]
        completed = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            command, capture_output=True, text=True, timeout=duration_s + 60, check=False
        )

        match = re.search(r"^BENCH_RESULT (.*)$", completed.stdout, re.MULTILINE)
        if completed.returncode != 0 or match is None:
            raise RuntimeError(
                f"wrk failed for {scenario} (exit {completed.returncode}): "
                f"{completed.stdout[-2000:]}{completed.stderr[-2000:]}"
            )

        result = json.loads(match.group(1))
        if scenario in self.offsets:
            self.offsets[scenario] = offset + THREADS * (result["max_counter"] + 1)

        result["rps"] = result["requests"] / result["duration_s"]
        result["target_rps"] = rate
        result["load_average"] = os.getloadavg()[0]
        return result

    def measure(self, key: str, label: str, scenario: str, url: str) -> dict:
        """Warm up, measure the saturation rate, then latency at half of it."""
        print(f"scenario {label}: warm-up {self.warmup_s} s", flush=True)
        self.wrk(scenario, url, 0, self.warmup_s)
        saturation = self.wrk(scenario, url, 0, self.duration_s)
        print(
            f"  saturation: {saturation['rps']:.0f} req/s, {saturation['errors']} errors, "
            f"p50 {saturation['latency_ms']['50']:.1f} ms",
            flush=True,
        )
        rate = max(1.0, round(saturation["rps"] / 2))
        fixed = self.wrk(scenario, url, rate, self.duration_s)
        print(
            f"  at {rate:.0f} req/s: achieved {fixed['rps']:.0f}, p50 "
            f"{fixed['latency_ms']['50']:.1f} ms, p90 {fixed['latency_ms']['90']:.1f} ms, "
            f"p99 {fixed['latency_ms']['99']:.1f} ms, {fixed['errors']} errors",
            flush=True,
        )
        result = {"key": key, "label": label, "saturation": saturation, "fixed": fixed}
        if scenario == "login":
            # Past LOGIN_ACCOUNTS sequence numbers, accounts repeat and some
            # checks may hit the users service's cache of verified passwords.
            result["accounts_used"] = self.offsets["login"]
            result["accounts"] = LOGIN_ACCOUNTS
        return result

    def scale(self, manifest: dict, posts: int) -> list[dict]:
        """Measure the home timeline of the accounts following 10, 100 and 1,000 others."""
        results = []
        for count, name in sorted(manifest["followee_accounts"].items(), key=lambda i: int(i[0])):
            extra = {"home_user": name, "home_auth": basic(name, manifest["password"])}
            self.write_data(manifest, "scale", extra)
            result = self.measure(
                f"home_{count}_{posts}",
                f"home, {count} followees, {posts:,} posts",
                "home_as",
                self.args.api_url,
            )
            result.update({"followees": int(count), "posts": posts})
            results.append(result)
        return results

    def async_end_to_end(self, manifest: dict) -> dict:
        """Post at ASYNC_RATE per second, then time each post from send to insert.

        load.lua records the job id of every 202, and the worker records the
        job id of every post it inserts in post_jobs. The check compares the
        two sets. Each accepted job must have inserted exactly one post of
        this run, and no post of this run may come from another job.
        """
        run_id = f"r{int(time.time())}"
        self.write_data(manifest, run_id)
        job_file = self.args.work_dir / f"async-jobs-{run_id}"
        print(f"scenario async post: {ASYNC_RATE} posts/s for {self.duration_s} s", flush=True)
        # Every timelines worker process caches the actors' verified passwords
        # first, so no post waits for a password check.
        self.wrk("home", self.args.api_url, 0, self.warmup_s)
        sent = self.wrk(
            "async",
            self.args.api_url,
            ASYNC_RATE,
            self.duration_s + ASYNC_RESPONSE_WAIT_S,
            [str(self.duration_s), str(job_file)],
        )
        sent["rps"] = sent["requests"] / self.duration_s
        accepted_jobs = []
        for path in sorted(self.args.work_dir.glob(f"{job_file.name}.*")):
            accepted_jobs += path.read_text().split()

        marker = f"bench async {run_id}-%"
        rows: list = []
        deadline = time.monotonic() + ASYNC_DRAIN_TIMEOUT_S
        with psycopg.connect(f"{self.args.pg_url}/timelines", autocommit=True) as conn:
            while time.monotonic() < deadline:
                rows = conn.execute(
                    """
                    SELECT p.text, extract(epoch FROM p.created_at) * 1000, j.job_id::text
                    FROM posts p LEFT JOIN post_jobs j ON j.post_id = p.id
                    WHERE p.text LIKE %s
                    """,
                    (marker,),
                ).fetchall()
                if len(rows) >= len(accepted_jobs):
                    break
                time.sleep(1)
        markers = [text.split(" sent_ms=")[0] for text, _, _ in rows]
        inserted_jobs = [job for _, _, job in rows]
        delays = sorted(float(at) - float(text.split("sent_ms=")[1]) for text, at, _ in rows)
        accepted_set = set(accepted_jobs)
        result = {
            "rate": ASYNC_RATE,
            "sent": sent,
            "accepted": len(accepted_jobs),
            "accepted_distinct": len(accepted_set),
            "inserted": len(rows),
            "distinct": len(set(markers)),
            "accepted_not_inserted": len(accepted_set - set(inserted_jobs)),
            "inserted_not_accepted": sum(1 for job in inserted_jobs if job not in accepted_set),
            "latency_ms": {str(p): percentile(delays, p) for p in (50, 90, 99)},
        }
        print(
            f"  {result['accepted']} job ids of 202 responses ({sent['accepted']} counted), "
            f"{len(rows)} posts inserted ({result['distinct']} distinct), "
            f"{result['accepted_not_inserted']} accepted but not inserted, "
            f"{result['inserted_not_accepted']} inserted but not accepted, "
            f"p50 {ms_text(result['latency_ms']['50'])} ms, "
            f"p99 {ms_text(result['latency_ms']['99'])} ms",
            flush=True,
        )
        return result


def basic(username: str, password: str) -> str:
    return base64.b64encode(f"{username}:{password}".encode()).decode()


def to_lua(value) -> str:
    """Return value as a Lua literal: dicts become tables with string keys."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{json.dumps(k)}] = {to_lua(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "{" + ", ".join(to_lua(item) for item in value) + "}"
    return json.dumps(value)


def ms_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def git_commit() -> str:
    """Return the short hash of the checked-out commit, or "unknown" outside a Git checkout."""
    completed = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH
        capture_output=True,
        text=True,
        check=False,
    )
    return completed.stdout.strip() or "unknown"


def load(args: argparse.Namespace, posts: int, append: bool, name: str) -> dict:
    """Run the generator and return its manifest."""
    manifest = args.work_dir / f"{name}.json"
    argv = [
        f"--users={args.users}",
        f"--posts={posts}",
        f"--seed={2 if append else 1}",
        f"--pg-url={args.pg_url}",
        f"--redis-url={args.redis_url}",
        f"--dynamodb-url={args.dynamodb_url}",
        f"--manifest={manifest}",
    ]
    generate.main(argv + (["--append"] if append else []))
    return json.loads(manifest.read_text())


def smoke(args: argparse.Namespace, runner: Runner) -> int:
    """Load a small data set and measure the ceiling and one post. Return 1 on any request error."""
    manifest = load(args, MODES["smoke"]["posts"], append=False, name="dataset-smoke")
    runner.write_data(manifest, "smoke")

    scenarios = []
    for key, label in SMOKE_SCENARIOS:
        url = args.ceiling_url if key == "ceiling" else args.api_url
        scenarios.append(runner.measure(key, label, key, url))
    args.results.write_text(json.dumps({"mode": "smoke", "scenarios": scenarios}, indent=1) + "\n")

    failed = [
        f"{result['label']} at {run}: {result[run]['requests']} requests, "
        f"{result[run]['errors']} errors"
        for result in scenarios
        for run in ("saturation", "fixed")
        if result[run]["errors"] > 0 or result[run]["requests"] == 0
    ]
    for line in failed:
        print(f"smoke run failed: {line}", file=sys.stderr)
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    mode = MODES[args.mode]
    args.work_dir.mkdir(parents=True, exist_ok=True)
    runner = Runner(args, mode["duration_s"], mode["warmup_s"])
    if args.mode == "smoke":
        return smoke(args, runner)
    started = time.time()

    manifest = load(args, SMALL_POST_COUNT, append=False, name="dataset-small")
    scale = runner.scale(manifest, SMALL_POST_COUNT)

    more = load(args, mode["posts"] - SMALL_POST_COUNT, append=True, name="dataset-more")
    manifest["last_post_id"] = more["last_post_id"]
    manifest["likes"] += more["likes"]
    manifest["load_seconds"]["more_posts_s"] = more["load_seconds"]["posts_s"]
    manifest["load_seconds"]["more_likes_s"] = more["load_seconds"]["likes_s"]
    scale += runner.scale(manifest, mode["posts"])

    runner.write_data(manifest, "main")
    scenarios = []
    for key, label in SCENARIOS:
        url = args.ceiling_url if key == "ceiling" else args.api_url
        scenarios.append(runner.measure(key, label, key, url))
    async_result = runner.async_end_to_end(manifest)
    key, label = LOGIN_SCENARIO
    scenarios.append(runner.measure(key, label, key, args.api_url))

    results = {
        "mode": args.mode,
        "command": args.command,
        "started_at": time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(started)),
        "elapsed_s": round(time.time() - started),
        "load_before": args.load_before,
        "workers": args.workers,
        # The commit and the load at the end of the run, because the report
        # can be written again later from these results.
        "commit": git_commit(),
        "load_after": round(os.getloadavg()[0], 1),
        "threads": THREADS,
        "connections": CONNECTIONS,
        "duration_s": mode["duration_s"],
        "dataset": {key: value for key, value in manifest.items() if key not in ("polls",)},
        "polls": len(manifest["polls"]),
        "posts": mode["posts"],
        "scenarios": scenarios,
        "scale": scale,
        "async": async_result,
    }
    args.results.write_text(json.dumps(results, indent=1) + "\n")
    print(f"results written to {args.results} after {results['elapsed_s']} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
