"""Configuration of the timelines service."""

import os
from dataclasses import dataclass

from services.common.db import DatabaseSettings
from services.common.internal import service_token_from_env
from services.common.jobs import QueueSettings
from services.common.settings import env_float, env_url


@dataclass(frozen=True)
class TimelinesSettings:
    """Everything the timelines service reads from the environment."""

    database: DatabaseSettings
    users_url: str
    users_timeout_s: float
    auth_cache_ttl_s: float
    # Base of the absolute post URLs in responses; None means the request's own host.
    public_url: str | None
    queue: QueueSettings
    # Secret that workers send to the /internal/ endpoints; None disables them.
    service_token: str | None

    @classmethod
    def from_env(cls) -> "TimelinesSettings":
        """Read the settings, raising SettingsError on a bad value."""
        public_url = None
        if os.environ.get("PUBLIC_URL"):
            public_url = env_url("PUBLIC_URL", "")

        return cls(
            database=DatabaseSettings.from_env("postgresql://microblog@127.0.0.1:25432/timelines"),
            users_url=env_url("USERS_URL", "http://127.0.0.1:5101"),
            users_timeout_s=env_float("USERS_TIMEOUT_S", 3.0, minimum=0.1),
            auth_cache_ttl_s=env_float("AUTH_CACHE_TTL_S", 10.0),
            public_url=public_url,
            queue=QueueSettings.from_env(),
            service_token=service_token_from_env(),
        )
