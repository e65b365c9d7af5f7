"""Configuration of the users service."""

from dataclasses import dataclass, field

from services.common.db import DatabaseSettings
from services.common.internal import service_token_from_env
from services.common.jobs import QueueSettings
from services.common.settings import env_float, env_int


@dataclass(frozen=True)
class UsersSettings:
    """Everything the users service reads from the environment."""

    database: DatabaseSettings
    auth_cache_ttl_s: float
    # Secret that workers send to the /internal/ endpoints; None disables them.
    service_token: str | None = field(default=None, repr=False)
    # Failed logins allowed per username within the window; more get a 429.
    login_failure_budget: int = 10
    login_failure_window_s: float = 300.0
    # beanstalkd, for the account job that each deletion puts; None makes
    # deletions answer 503, because nothing would remove the user's content.
    queue: QueueSettings | None = None

    @classmethod
    def from_env(cls) -> "UsersSettings":
        """Read the settings, raising SettingsError on a bad value."""
        return cls(
            database=DatabaseSettings.from_env("postgresql://microblog@127.0.0.1:25432/users"),
            auth_cache_ttl_s=env_float("AUTH_CACHE_TTL_S", 30.0),
            service_token=service_token_from_env(),
            login_failure_budget=env_int("LOGIN_FAILURE_BUDGET", 10, minimum=1, maximum=1000),
            login_failure_window_s=env_float("LOGIN_FAILURE_WINDOW_S", 300.0, minimum=1.0),
            queue=QueueSettings.from_env(),
        )
