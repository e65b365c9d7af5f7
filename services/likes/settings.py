"""Configuration of the likes service."""

from dataclasses import dataclass

from services.common.internal import service_token_from_env
from services.common.jobs import QueueSettings
from services.common.settings import env_float, env_url


@dataclass(frozen=True)
class LikesSettings:
    """Everything the likes service reads from the environment."""

    redis_url: str
    users_url: str
    timelines_url: str
    # Base of the post URLs in the popular list, as clients reach the timelines service.
    timelines_public_url: str
    service_timeout_s: float
    auth_cache_ttl_s: float
    post_cache_ttl_s: float
    queue: QueueSettings
    # Secret that workers send to the /internal/ endpoints; None disables them.
    service_token: str | None

    @classmethod
    def from_env(cls) -> "LikesSettings":
        """Read the settings, raising SettingsError on a bad value."""
        return cls(
            redis_url=env_url("REDIS_URL", "redis://127.0.0.1:26379/0", schemes=("redis",)),
            users_url=env_url("USERS_URL", "http://127.0.0.1:5101"),
            timelines_url=env_url("TIMELINES_URL", "http://127.0.0.1:5102"),
            timelines_public_url=env_url("TIMELINES_PUBLIC_URL", "http://timelines.localhost"),
            service_timeout_s=env_float("SERVICE_TIMEOUT_S", 3.0, minimum=0.1),
            auth_cache_ttl_s=env_float("AUTH_CACHE_TTL_S", 10.0),
            post_cache_ttl_s=env_float("POST_CACHE_TTL_S", 30.0),
            queue=QueueSettings.from_env(),
            service_token=service_token_from_env(),
        )
