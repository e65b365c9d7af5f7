"""Fault tests: expired time-to-run, killed and stopped workers, a stopped mail
catcher and a restarted beanstalkd."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from services.common.jobs import JobProducer
from services.conftest import SERVICE_TOKEN
from services.timelines import create_app as create_timelines_app

from .conftest import queue_settings_for, wait_until
from .test_handlers import all_posts, login, tube_stats

REPOSITORY = Path(__file__).resolve().parents[3]
JOB = {"job_id": "0d6c2f55-3b0a-4d43-9a61-5b1d7d0f6a21", "username": "ada", "text": "once"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def worker_process(tube: str, settings) -> subprocess.Popen:
    """Start python -m services.workers TUBE with settings passed through the environment."""
    env = {
        **os.environ,
        "BEANSTALKD_ADDRESS": f"{settings.queue.host}:{settings.queue.port}",
        "SERVICE_TOKEN": SERVICE_TOKEN,
        "USERS_URL": settings.users_url,
        "TIMELINES_URL": settings.timelines_url,
        "LIKES_URL": settings.likes_url,
        "POLLS_URL": settings.polls_url,
        "SMTP_HOST": settings.smtp_host,
        "SMTP_PORT": str(settings.smtp_port),
    }
    return subprocess.Popen(  # noqa: S603 - a fixed command line
        [sys.executable, "-m", "services.workers", tube], cwd=REPOSITORY, env=env
    )


def put_timeline_job(queue_settings, ttr_s: int) -> None:
    producer = JobProducer(queue_settings, ttr_s=ttr_s)
    producer.put("timeline", JOB)
    producer.close()


def tube_empty(queue_settings, tube: str) -> bool:
    stats = tube_stats(queue_settings, tube)
    return stats["current-jobs-ready"] == 0 and stats["current-jobs-reserved"] == 0


def test_expired_ttr_mid_work_processed_once(
    run_worker, make_user, timelines_service, queue_settings
):
    make_user("ada")
    # The first insert takes 3 s, past the 1 s time-to-run, so a second
    # worker reserves the same job while the first is still at work.
    timelines_service.slow.delays.append(3.0)
    put_timeline_job(queue_settings, ttr_s=1)

    run_worker("timeline")
    run_worker("timeline")

    wait_until(lambda: all_posts(timelines_service))
    time.sleep(3.5)
    assert len(all_posts(timelines_service)) == 1
    assert tube_empty(queue_settings, "timeline")
    assert tube_stats(queue_settings, "timeline")["current-jobs-buried"] == 0


def test_worker_killed_mid_job_loses_nothing(
    run_worker, make_user, timelines_service, queue_settings, worker_settings
):
    make_user("ada")
    timelines_service.slow.delays.append(2.0)
    put_timeline_job(queue_settings, ttr_s=30)
    process = worker_process("timeline", worker_settings)

    try:
        assert timelines_service.slow.started.wait(20), "the worker never called the service"
        process.kill()
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()

    # beanstalkd returns the job of a closed connection at once.
    run_worker("timeline")
    wait_until(lambda: all_posts(timelines_service))
    wait_until(lambda: tube_empty(queue_settings, "timeline"))
    time.sleep(2.5)
    assert len(all_posts(timelines_service)) == 1


def test_sigterm_finishes_job_in_hand(
    make_user, clean, timelines_service, queue_settings, worker_settings
):
    make_user("ada")
    timelines_service.slow.delays.append(2.0)
    put_timeline_job(queue_settings, ttr_s=30)
    process = worker_process("timeline", worker_settings)

    try:
        assert timelines_service.slow.started.wait(20), "the worker never called the service"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()

    assert len(all_posts(timelines_service)) == 1
    assert tube_empty(queue_settings, "timeline")


class SwitchableProxy:
    """A TCP proxy to the mail catcher's SMTP port that can stop accepting like a stopped server."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = free_port()
        self.server: socket.socket | None = None

    def start(self) -> None:
        self.server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, args=(self.server,), daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target, timeout=5)
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(source, sink), daemon=True).start()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def test_mail_catcher_down_email_retried_sent_once(
    run_worker, make_user, worker_settings, smtp_address, mailbox, queue_settings
):
    make_user("ada")
    proxy = SwitchableProxy(smtp_address)
    settings = replace(
        worker_settings, smtp_host="127.0.0.1", smtp_port=proxy.port, max_attempts=20
    )
    producer = JobProducer(queue_settings)
    producer.put(
        "email", {"kind": "like", "username": "ada", "post_id": 7, "email_id": "like.7.ada"}
    )
    producer.close()

    run_worker("email", settings)
    wait_until(lambda: tube_stats(queue_settings, "email").get("total-jobs") == 1)
    time.sleep(2.5)
    assert mailbox.messages_to("ada@example.com") == []
    proxy.start()
    try:
        mailbox.wait_for("ada@example.com")
        wait_until(lambda: tube_empty(queue_settings, "email"))
        time.sleep(2)
    finally:
        proxy.stop()

    assert len(mailbox.messages_to("ada@example.com")) == 1
    assert tube_stats(queue_settings, "email")["current-jobs-buried"] == 0


@pytest.fixture
def own_beanstalkd(tmp_path):
    """Start a beanstalkd of this test on a free port; return (start, stop) functions."""
    binary = shutil.which("beanstalkd")
    if binary is None:
        pytest.fail("beanstalkd is not installed: apt-get install -y beanstalkd")
    port = free_port()
    binlog = tmp_path / "binlog"
    binlog.mkdir()
    processes = []

    def start() -> None:
        process = subprocess.Popen(  # noqa: S603 - a fixed command line
            [binary, "-l", "127.0.0.1", "-p", str(port), "-b", str(binlog)]
        )
        processes.append(process)
        wait_until(lambda: _accepts("127.0.0.1", port), timeout_s=10, interval_s=0.1)

    def stop() -> None:
        process = processes[-1]
        process.terminate()
        process.wait(timeout=10)

    yield port, start, stop

    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def _accepts(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=0.5).close()
        return True
    except OSError:
        return False


def test_beanstalkd_restart_api_and_workers_recover(
    run_worker, make_user, own_beanstalkd, timelines_service, worker_settings
):
    make_user("ada")
    port, start, stop = own_beanstalkd
    queue = queue_settings_for("127.0.0.1", port)
    settings = timelines_service.app.extensions["timelines"].settings
    app = create_timelines_app(replace(settings, queue=queue))
    client = app.test_client()
    auth = {"Authorization": requests.auth._basic_auth_str(*login("ada"))}

    def compose(text: str):
        started = time.monotonic()
        response = client.post("/compose/async/post", json={"text": text}, headers=auth)
        return response, time.monotonic() - started

    try:
        start()
        run_worker("timeline", replace(worker_settings, queue=queue))
        response, _ = compose("before")
        assert response.status_code == 202
        wait_until(lambda: len(all_posts(timelines_service)) == 1)

        stop()
        response, elapsed = compose("while down")
        assert response.status_code == 503
        assert response.is_json
        assert elapsed < 1.5

        start()
        for _ in range(20):
            response, elapsed = compose("after")
            assert response.status_code in (202, 503)
            assert response.is_json
            assert elapsed < 1.5
            if response.status_code == 202:
                break
            time.sleep(0.5)
        assert response.status_code == 202
        texts = wait_until(
            lambda: (
                sorted(post["text"] for post in all_posts(timelines_service))
                if len(all_posts(timelines_service)) == 2
                else None
            )
        )
        assert texts == ["after", "before"]
    finally:
        app.extensions["timelines"].pool.close()
        app.extensions["timelines"].jobs.close()
