"""Configuration of the workers."""

from dataclasses import dataclass, field

from services.common.jobs import QueueSettings
from services.common.settings import env_float, env_int, env_str, env_url


@dataclass(frozen=True)
class WorkerSettings:
    """Everything a worker reads from the environment."""

    queue: QueueSettings
    users_url: str
    timelines_url: str
    likes_url: str
    polls_url: str
    service_timeout_s: float
    smtp_host: str
    smtp_port: int
    smtp_timeout_s: float
    mail_from: str
    # A job is buried on the reservation that reaches this count and still fails.
    max_attempts: int = 5
    # The release delay doubles per attempt, from the base up to the maximum.
    retry_base_delay_s: int = 2
    retry_max_delay_s: int = 60
    # Whole seconds, as beanstalkd's reserve-with-timeout takes; also how soon
    # an idle worker notices a stop request.
    reserve_timeout_s: int = 1
    service_token: str = field(default="", repr=False)

    @classmethod
    def from_env(cls) -> "WorkerSettings":
        """Read the settings, raising SettingsError on a missing or bad value."""
        return cls(
            queue=QueueSettings.from_env(),
            users_url=env_url("USERS_URL", "http://127.0.0.1:5101"),
            timelines_url=env_url("TIMELINES_URL", "http://127.0.0.1:5102"),
            likes_url=env_url("LIKES_URL", "http://127.0.0.1:5103"),
            polls_url=env_url("POLLS_URL", "http://127.0.0.1:5104"),
            service_timeout_s=env_float("SERVICE_TIMEOUT_S", 3.0, minimum=0.1),
            smtp_host=env_str("SMTP_HOST", "127.0.0.1"),
            smtp_port=env_int("SMTP_PORT", 1025, minimum=1, maximum=65535),
            smtp_timeout_s=env_float("SMTP_TIMEOUT_S", 5.0, minimum=0.1),
            mail_from=env_str("MAIL_FROM", "microblog@localhost"),
            max_attempts=env_int("JOB_MAX_ATTEMPTS", 5, minimum=1, maximum=100),
            retry_base_delay_s=env_int("JOB_RETRY_BASE_DELAY_S", 2, minimum=0, maximum=3600),
            retry_max_delay_s=env_int("JOB_RETRY_MAX_DELAY_S", 60, minimum=0, maximum=86400),
            reserve_timeout_s=env_int("JOB_RESERVE_TIMEOUT_S", 1, minimum=1, maximum=60),
            # Required: without it every call to an /internal/ endpoint fails.
            service_token=env_str("SERVICE_TOKEN"),
        )
