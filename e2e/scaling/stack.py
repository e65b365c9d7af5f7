"""Control of a running native stack: its pid files, the registry, HAProxy's statistics.

Every HTTP call has a timeout and every wait has a deadline, so a broken stack
fails a test instead of hanging it.
"""

import csv
import io
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

# Seconds for one call to the registry or the stats page.
HTTP_TIMEOUT_S = 5
# Seconds for one run of scripts/up on a running stack. It waits up to 60 s
# for the health checks itself, so this only stops a run that hangs.
SCRIPT_TIMEOUT_S = 150
# Seconds for the process group of a killed instance to disappear.
KILL_TIMEOUT_S = 10

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]


class WaitTimeout(AssertionError):
    """A condition did not hold before its deadline."""


def wait_until(condition, *, timeout_s: float, interval_s: float = 0.25, description: str):
    """Call condition() until it returns a true value, and return that value.

    Raises WaitTimeout with the description after timeout_s seconds.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise WaitTimeout(f"timed out after {timeout_s:g} s waiting for {description}")
        time.sleep(interval_s)


@dataclass(frozen=True)
class StatsRow:
    """One server line of HAProxy's statistics CSV."""

    backend: str
    server: str
    port: int
    status: str
    total_sessions: int


@dataclass(frozen=True)
class Stack:
    """A stack started by scripts/up from state_dir, reached on 127.0.0.1."""

    base_url: str
    registry_url: str
    stats_url: str
    state_dir: Path

    def pid_file(self, instance: str) -> Path:
        return self.state_dir / "run" / f"{instance}.pid"

    def running_pid(self, instance: str) -> int | None:
        """Return the PID in the instance's pid file if it is a live gunicorn of that service.

        A PID that now belongs to another program counts as not running, as
        in scripts/lib/common.sh.
        """
        try:
            pid = int(self.pid_file(instance).read_text().split()[0])
            command_line = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except (OSError, ValueError, IndexError):
            return None

        service = service_of(instance)
        if b"gunicorn" not in command_line or f"services.{service}:".encode() not in command_line:
            return None
        return pid

    def port(self, instance: str) -> int:
        """Return the instance's port: the recorded one of an extra instance, else the setting."""
        port_file = self.state_dir / "run" / f"{instance}.port"
        if port_file.exists():
            return int(port_file.read_text().strip())
        return int(os.environ[f"MICROBLOG_{service_of(instance).upper()}_PORT"])

    def instance_url(self, instance: str) -> str:
        return f"http://127.0.0.1:{self.port(instance)}"

    def kill(self, instance: str) -> None:
        """Send SIGKILL to the instance's process group: gunicorn's master and its workers.

        scripts/up starts each instance with setsid, so its PID leads its own
        process group. Any other PID is refused, so no other group is hit.
        """
        pid = self.running_pid(instance)
        assert pid is not None, f"{instance} is not running (pid file {self.pid_file(instance)})"
        assert os.getpgid(pid) == pid, f"{instance} (pid {pid}) does not lead its process group"

        os.killpg(pid, signal.SIGKILL)
        wait_until(
            lambda: self.running_pid(instance) is None,
            timeout_s=KILL_TIMEOUT_S,
            description=f"{instance} (pid {pid}) to exit after SIGKILL",
        )

    def run_up(self, *arguments: str) -> None:
        """Run scripts/up --detach with the arguments and this process's environment.

        The environment carries the stack's MICROBLOG_* settings, so the
        script starts the missing instances of this stack and no other.
        """
        run_script("up", "--detach", *arguments)

    def registry_urls(self, service: str) -> set[str]:
        """Return the URLs of the live instances of a service in the registry."""
        response = requests.get(f"{self.registry_url}/available/{service}", timeout=HTTP_TIMEOUT_S)
        if response.status_code == 404:
            return set()
        assert response.status_code == 200, response.text[:300]
        return set(response.json()[service])

    def backend_servers(self, backend: str) -> dict[int, StatsRow]:
        """Return the servers of an HAProxy backend by port, from the statistics CSV."""
        response = requests.get(f"{self.stats_url.rstrip('/')}/;csv", timeout=HTTP_TIMEOUT_S)
        assert response.status_code == 200, response.text[:300]

        # The header line starts with "# ", which is not part of the first name.
        reader = csv.DictReader(io.StringIO(response.text.removeprefix("# ")))
        servers = {}
        for row in reader:
            if row["pxname"] != backend or row["svname"] in ("FRONTEND", "BACKEND"):
                continue
            # The templater names a server SERVICE_HOST_PORT, with dots as underscores.
            port = int(row["svname"].rsplit("_", 1)[1])
            servers[port] = StatsRow(
                backend=backend,
                server=row["svname"],
                port=port,
                status=row["status"],
                total_sessions=int(row["stot"] or 0),
            )
        return servers

    def log_tail(self, component: str, lines: int = 20) -> str:
        """Return the last lines of a component's log, for failure messages."""
        try:
            text = (self.state_dir / "logs" / f"{component}.log").read_text(errors="replace")
        except OSError as error:
            return f"(no log: {error})"
        return "\n".join(text.splitlines()[-lines:])


def run_script(name: str, *arguments: str) -> None:
    """Run scripts/NAME with the arguments and this process's environment; fail on an error."""
    command = [str(REPOSITORY_ROOT / "scripts" / name), *arguments]
    completed = subprocess.run(  # noqa: S603 - fixed script, arguments from the tests
        command,
        cwd=REPOSITORY_ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT_S,
        check=False,
    )
    output = (completed.stdout + completed.stderr)[-3000:]
    assert completed.returncode == 0, (
        f"{' '.join(command)} exited with {completed.returncode}:\n{output}"
    )


def service_of(instance: str) -> str:
    """Return the service of an instance name: timelines for timelines-3."""
    service, _, number = instance.rpartition("-")
    return service if service and number.isdigit() else instance


def url_port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])
