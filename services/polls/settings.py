"""Configuration of the polls service."""

from dataclasses import dataclass, field

from infra.dynamodb.create_tables import DynamoDBSettings
from services.common.internal import service_token_from_env
from services.common.settings import env_float, env_url


@dataclass(frozen=True)
class PollsSettings:
    """Everything the polls service reads from the environment."""

    dynamodb: DynamoDBSettings
    users_url: str
    users_timeout_s: float
    auth_cache_ttl_s: float
    # Base of the poll URLs in responses, such as http://polls.localhost.
    public_url: str
    # Secret that workers send to the /internal/ endpoints; None disables them.
    service_token: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls) -> "PollsSettings":
        """Read the settings, raising SettingsError on a bad value."""
        return cls(
            dynamodb=DynamoDBSettings.from_env(),
            users_url=env_url("USERS_URL", "http://127.0.0.1:5101"),
            users_timeout_s=env_float("USERS_TIMEOUT_S", 3.0, minimum=0.1),
            auth_cache_ttl_s=env_float("AUTH_CACHE_TTL_S", 10.0),
            public_url=env_url("PUBLIC_URL", "http://polls.localhost"),
            service_token=service_token_from_env(),
        )
