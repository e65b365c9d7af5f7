"""The HAProxy templater installs only configurations that `haproxy -c` accepts.

These tests run haproxy from PATH or /usr/sbin and need no running stack.
"""

import logging
import shutil
from pathlib import Path

import pytest

from infra.haproxy import templater

LIVE_MAP = {
    "users": {"http://127.0.0.1:15101": True},
    "timelines": {"http://127.0.0.1:15102": True, "http://127.0.0.1:15202": True},
    "likes": {},
    "polls": {"http://127.0.0.1:15104": True},
}


@pytest.fixture
def settings(tmp_path, monkeypatch) -> templater.TemplaterSettings:
    """Return the templater's settings from its environment, with the config in tmp_path."""
    haproxy = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin")
    if haproxy is None:
        pytest.skip("haproxy is not installed; scripts/install installs it")

    # Only install() and render() run, so no registry, HAProxy process or
    # listening port is involved.
    monkeypatch.setenv("HAPROXY_CONFIG", str(tmp_path / "haproxy.cfg"))
    monkeypatch.setenv("HAPROXY_ADMIN_SOCKET", str(tmp_path / "haproxy.sock"))
    monkeypatch.setenv("HAPROXY_BIN", haproxy)
    monkeypatch.setenv("HAPROXY_HTTP_PORT", "18080")
    monkeypatch.setenv("HAPROXY_STATS_PORT", "18404")
    for name in ("HAPROXY_TEMPLATE", "HAPROXY_ERRORS_DIR", "HAPROXY_PID_FILE"):
        monkeypatch.delenv(name, raising=False)
    return templater.TemplaterSettings.from_env()


def leftover_candidates(folder: Path) -> list[Path]:
    return sorted(folder.glob(".haproxy-*.cfg"))


def test_install_accepts_rendered_config(settings):
    old_text = templater.render(settings, {})
    settings.config.write_text(old_text)
    new_text = templater.render(settings, LIVE_MAP)

    assert templater.install(settings, new_text) is True

    assert settings.config.read_text() == new_text
    assert "server timelines_127_0_0_1_15202 127.0.0.1:15202 check" in new_text
    assert leftover_candidates(settings.config.parent) == []


def test_install_rejects_broken_config(settings, caplog):
    old_text = templater.render(settings, LIVE_MAP)
    settings.config.write_text(old_text)
    old_mtime = settings.config.stat().st_mtime_ns
    broken_text = old_text + "\nbackend broken\n    server no_address\n    no-such-keyword on\n"

    with caplog.at_level(logging.ERROR, logger="templater"):
        assert templater.install(settings, broken_text) is False

    assert settings.config.read_text() == old_text
    assert settings.config.stat().st_mtime_ns == old_mtime
    assert leftover_candidates(settings.config.parent) == []
    assert "haproxy -c rejected" in caplog.text
    # haproxy's own reason is logged too, naming the bad line.
    assert "no-such-keyword" in caplog.text
