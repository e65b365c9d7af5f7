"""Keep HAProxy's configuration in step with the registry's map of live instances.

Usage:
  python -m infra.haproxy.templater --once     render the configuration and exit
  python -m infra.haproxy.templater            watch the registry and reload HAProxy

Every poll reads GET /services from the registry and renders the template with
one server per live instance. When the text differs from the installed file,
the new text is checked with `haproxy -c` and, only if it passes, moved into
place and HAProxy's master is sent SIGUSR2, which reloads it without closing
the listening sockets. A change is installed only after the map has been
stable for a short settle time, and reloads are spaced by a minimum interval,
so an instance that flaps cannot cause a reload storm.

Settings (environment):
  REGISTRY_URL                 the registry, e.g. http://127.0.0.1:5000
  HAPROXY_TEMPLATE             the Jinja2 template (default: haproxy.cfg.j2 beside this file)
  HAPROXY_CONFIG               the installed configuration file
  HAPROXY_PID_FILE             the master's pid file; empty in --once mode
  HAPROXY_BIN                  the haproxy binary (default: haproxy)
  HAPROXY_HTTP_PORT, HAPROXY_STATS_PORT, HAPROXY_ADMIN_SOCKET, HAPROXY_ERRORS_DIR
  HAPROXY_BIND_ADDRESS         address of both listeners (default 127.0.0.1; "" for all)
  TEMPLATER_POLL_S             seconds between polls (default 1)
  TEMPLATER_SETTLE_S           seconds a new map must stay unchanged (default 1)
  TEMPLATER_MIN_RELOAD_S       minimum seconds between reloads (default 2)
"""

import argparse
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
import requests

from services.common.logconfig import configure_logging
from services.common.settings import SettingsError, env_float, env_int, env_str, env_url

log = logging.getLogger("templater")

SERVICES = ("users", "timelines", "likes", "polls")
HERE = Path(__file__).parent


@dataclass(frozen=True)
class TemplaterSettings:
    """Everything the templater reads from the environment."""

    registry_url: str
    template: Path
    config: Path
    pid_file: Path | None
    haproxy_bin: str
    bind_address: str
    http_port: int
    stats_port: int
    admin_socket: str
    errors_dir: str
    poll_s: float
    settle_s: float
    min_reload_s: float

    @classmethod
    def from_env(cls) -> "TemplaterSettings":
        """Read the settings, raising SettingsError on a bad value."""
        pid_file = os.environ.get("HAPROXY_PID_FILE")
        return cls(
            registry_url=env_url("REGISTRY_URL", "http://127.0.0.1:5000"),
            template=Path(env_str("HAPROXY_TEMPLATE", str(HERE / "haproxy.cfg.j2"))),
            config=Path(env_str("HAPROXY_CONFIG")),
            pid_file=Path(pid_file) if pid_file else None,
            haproxy_bin=env_str("HAPROXY_BIN", "haproxy"),
            bind_address=os.environ.get("HAPROXY_BIND_ADDRESS", "127.0.0.1"),
            http_port=env_int("HAPROXY_HTTP_PORT", 8080, minimum=1, maximum=65535),
            stats_port=env_int("HAPROXY_STATS_PORT", 8404, minimum=1, maximum=65535),
            admin_socket=env_str("HAPROXY_ADMIN_SOCKET"),
            errors_dir=env_str("HAPROXY_ERRORS_DIR", str(HERE / "errors")),
            poll_s=env_float("TEMPLATER_POLL_S", 1.0, minimum=0.1),
            settle_s=env_float("TEMPLATER_SETTLE_S", 1.0, minimum=0.0),
            min_reload_s=env_float("TEMPLATER_MIN_RELOAD_S", 2.0, minimum=0.0),
        )


def render(settings: TemplaterSettings, live: dict[str, dict[str, bool]]) -> str:
    """Render the configuration for a map {service: {url: true}}."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(settings.template.parent),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - the output is an HAProxy config, not HTML
    )
    services = [
        {"name": name, "servers": [_server(name, url) for url in sorted(live.get(name, {}))]}
        for name in SERVICES
    ]
    return environment.get_template(settings.template.name).render(
        services=services,
        host_names=", ".join(f"{name}.localhost" for name in SERVICES),
        bind_address=settings.bind_address,
        http_port=settings.http_port,
        stats_port=settings.stats_port,
        admin_socket=settings.admin_socket,
        errors_dir=settings.errors_dir,
    )


def _server(service: str, url: str) -> dict[str, str]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = f"{parts.hostname}:{port}"
    # A name derived from the address stays the same across reloads, so
    # HAProxy keeps each server's state and statistics.
    name = f"{service}_{parts.hostname}_{port}".replace(".", "_").replace(":", "_")
    return {"name": name, "address": address}


def install(settings: TemplaterSettings, text: str) -> bool:
    """Check text with `haproxy -c` and move it into place; return False if rejected."""
    settings.config.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", dir=settings.config.parent, prefix=".haproxy-", suffix=".cfg", delete=False
    ) as candidate:
        candidate.write(text)

    check = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [settings.haproxy_bin, "-c", "-f", candidate.name],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if check.returncode != 0:
        log.error(
            "haproxy -c rejected the rendered configuration, keeping the old one:\n%s",
            check.stdout + check.stderr,
        )
        os.unlink(candidate.name)
        return False

    os.replace(candidate.name, settings.config)
    return True


def reload_haproxy(settings: TemplaterSettings) -> None:
    """Ask HAProxy's master process to reload its configuration."""
    if settings.pid_file is None:
        return
    try:
        pid = int(settings.pid_file.read_text().split()[0])
        os.kill(pid, signal.SIGUSR2)
    except (OSError, ValueError, IndexError) as error:
        log.error("could not signal HAProxy's master (pid file %s): %s", settings.pid_file, error)
        return
    log.info("reloaded HAProxy (master pid %d)", pid)


def fetch_map(settings: TemplaterSettings) -> dict[str, dict[str, bool]] | None:
    """Return the registry's map, or None when the registry does not respond."""
    try:
        response = requests.get(f"{settings.registry_url}/services", timeout=2)
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as error:
        log.warning("could not read the registry: %s", error)
        return None


def watch(settings: TemplaterSettings, stop_after_s: float | None = None) -> None:
    """Poll the registry and install each new stable configuration."""
    started = time.monotonic()
    last_reload = 0.0
    pending: str | None = None
    pending_since = 0.0

    while stop_after_s is None or time.monotonic() - started < stop_after_s:
        live = fetch_map(settings)
        if live is not None:
            try:
                text = render(settings, live)
            except jinja2.TemplateError as error:
                # Keep the installed configuration and try again on the next poll.
                log.error(
                    "rendering %s failed, keeping the old configuration: %s",
                    settings.template,
                    error,
                )
                time.sleep(settings.poll_s)
                continue
            installed = settings.config.read_text() if settings.config.exists() else ""

            if text == installed:
                pending = None
            elif text != pending:
                # Wait for the map to settle before acting on it.
                pending, pending_since = text, time.monotonic()
            elif (
                time.monotonic() - pending_since >= settings.settle_s
                and time.monotonic() - last_reload >= settings.min_reload_s
            ):
                if install(settings, text):
                    reload_haproxy(settings)
                    last_reload = time.monotonic()
                pending = None

        time.sleep(settings.poll_s)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description="Render HAProxy's configuration from the registry."
    )
    parser.add_argument("--once", action="store_true", help="render and install once, then exit")
    parser.add_argument(
        "--empty", action="store_true", help="with --once: render with no instances"
    )
    arguments = parser.parse_args(argv)

    configure_logging(os.environ.get("LOG_LEVEL", "INFO"))
    try:
        settings = TemplaterSettings.from_env()
    except SettingsError as error:
        print(f"templater: {error}", file=sys.stderr)
        return 2

    if arguments.once:
        live = {} if arguments.empty else fetch_map(settings)
        if live is None:
            return 1
        return 0 if install(settings, render(settings, live)) else 1

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    log.info("watching %s for changes", settings.registry_url)
    watch(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
