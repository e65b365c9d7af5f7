"""Tests of the map whose entries expire."""

from services.common.expiring_map import ExpiringMap


class Clock:
    """A clock that moves only when a test advances it."""

    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_get_returns_stored_value():
    entries = ExpiringMap(10.0, clock=Clock())

    entries.put("ada", "Ada")

    assert entries.get("ada") == "Ada"
    assert entries.get("bob") is None


def test_get_after_expiry_returns_none():
    clock = Clock()
    entries = ExpiringMap(10.0, clock=clock)
    entries.put("ada", "Ada")

    clock.now += 10.5

    assert entries.get("ada") is None


def test_put_evicts_oldest_when_full():
    entries = ExpiringMap(10.0, max_entries=2, clock=Clock())

    entries.put("ada", 1)
    entries.put("bob", 2)
    entries.put("ada", 3)
    entries.put("cy", 4)

    assert entries.get("bob") is None
    assert entries.get("ada") == 3
    assert entries.get("cy") == 4


def test_zero_ttl_stores_nothing():
    entries = ExpiringMap(0.0, clock=Clock())

    entries.put("ada", "Ada")

    assert entries.get("ada") is None


def test_discard_forgets_entry():
    entries = ExpiringMap(10.0, clock=Clock())
    entries.put("ada", "Ada")

    entries.discard("ada")

    assert entries.get("ada") is None


def test_clear_forgets_every_entry():
    entries = ExpiringMap(10.0, clock=Clock())
    entries.put("ada", "Ada")
    entries.put("bob", "Bob")

    entries.clear()

    assert entries.get("ada") is None
    assert entries.get("bob") is None


def test_items_skip_expired_entries():
    clock = Clock()
    entries = ExpiringMap(10.0, clock=clock)
    entries.put("ada", "Ada")
    clock.now += 5.0
    entries.put("bob", "Bob")

    clock.now += 6.0

    assert entries.items() == [("bob", "Bob")]
    assert len(entries) == 2
