"""Three timelines instances behind HAProxy: all registered and all serving."""

from e2e.scaling.conftest import TIMELINES_INSTANCES
from e2e.scaling.stack import url_port

REQUEST_COUNT = 60


def test_timelines_instances_all_registered(scaled_stack):
    expected = {scaled_stack.instance_url(instance) for instance in TIMELINES_INSTANCES}

    assert len(expected) == 3, expected
    assert scaled_stack.registry_urls("timelines") == expected


def test_timelines_instances_each_serve_requests(scaled_stack, timelines):
    expected_ports = {url_port(url) for url in scaled_stack.registry_urls("timelines")}
    before = scaled_stack.backend_servers("timelines")
    assert set(before) == expected_ports

    for _ in range(REQUEST_COUNT):
        response = timelines.get("/posts/all")
        assert response.status_code == 200, response.text[:500]

    after = scaled_stack.backend_servers("timelines")
    assert set(after) == expected_ports
    served = {port: after[port].total_sessions - before[port].total_sessions for port in before}
    print(f"requests served per timelines port: {served}")
    for port, count in served.items():
        assert count > 0, f"the timelines instance on port {port} served none: {served}"
