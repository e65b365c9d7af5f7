"""A service that does no work, to measure the ceiling of gunicorn and HAProxy.

scripts/bench runs it under services/common/gunicorn_conf.py, like the real
services, and behind its own HAProxy rendered from the stack's template.
"""

import os
import sys
from pathlib import Path

from flask import Flask, jsonify

from infra.haproxy.templater import TemplaterSettings, render
from services.common.app import add_health_check, create_base_app


def create_app() -> Flask:
    """Build an app with the shared request logging and one trivial JSON route."""
    app = create_base_app("ceiling")

    @app.get("/ping")
    def ping():
        """Return a constant JSON object."""
        return jsonify({"status": "ok"})

    add_health_check(app, lambda: True)
    return app


def write_haproxy_config(config: Path, http_port: int, stats_port: int, socket: str, url: str):
    """Render the stack's HAProxy template with the ceiling service as timelines' only server."""
    os.environ.update(
        HAPROXY_CONFIG=str(config),
        HAPROXY_HTTP_PORT=str(http_port),
        HAPROXY_STATS_PORT=str(stats_port),
        HAPROXY_ADMIN_SOCKET=socket,
    )
    settings = TemplaterSettings.from_env()
    config.write_text(render(settings, {"timelines": {url: True}}))


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit("usage: python -m bench.ceiling CONFIG HTTP_PORT STATS_PORT ADMIN_SOCKET URL")
    write_haproxy_config(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), *sys.argv[4:])
