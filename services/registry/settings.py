"""Configuration of the registry."""

from dataclasses import dataclass

from services.common.settings import env_float, env_int

KNOWN_SERVICES = ("users", "timelines", "likes", "polls")


@dataclass(frozen=True)
class RegistrySettings:
    """Everything the registry reads from the environment."""

    check_interval_s: float
    check_timeout_s: float
    max_failures: int
    start_checker: bool = True

    @classmethod
    def from_env(cls) -> "RegistrySettings":
        """Read the settings, raising SettingsError on a bad value."""
        return cls(
            check_interval_s=env_float("REGISTRY_CHECK_INTERVAL_S", 20.0, minimum=0.1),
            check_timeout_s=env_float("REGISTRY_CHECK_TIMEOUT_S", 2.0, minimum=0.1),
            max_failures=env_int("REGISTRY_MAX_FAILURES", 3, minimum=1, maximum=100),
        )
