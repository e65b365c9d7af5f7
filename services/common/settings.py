"""Read configuration from the environment once, failing loudly on bad values."""

import os
from urllib.parse import urlsplit


class SettingsError(RuntimeError):
    """A configuration variable is missing or invalid."""


def env_str(name: str, default: str | None = None) -> str:
    """Return the variable's value, or the default; raise if neither exists."""
    value = os.environ.get(name, default)
    if value is None or value == "":
        raise SettingsError(f"environment variable {name} is required but not set")
    return value


def env_int(name: str, default: int, minimum: int = 0, maximum: int = 2**31) -> int:
    """Return the variable as an integer within [minimum, maximum]."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default

    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"environment variable {name}={raw!r} is not an integer") from None

    if not minimum <= value <= maximum:
        raise SettingsError(
            f"environment variable {name}={value} is outside the range {minimum}..{maximum}"
        )
    return value


def env_float(name: str, default: float, minimum: float = 0.0) -> float:
    """Return the variable as a number of at least minimum."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default

    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"environment variable {name}={raw!r} is not a number") from None

    if value < minimum:
        raise SettingsError(f"environment variable {name}={value} is below {minimum}")
    return value


def env_url(name: str, default: str, schemes: tuple[str, ...] = ("http", "https")) -> str:
    """Return the variable as a URL with one of the given schemes and a host."""
    value = env_str(name, default)
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.hostname:
        raise SettingsError(
            f"environment variable {name} must be a {'/'.join(schemes)} URL with a host"
        )
    return value.rstrip("/")
