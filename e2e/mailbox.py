"""Read and empty the mail catcher's inbox through its HTTP API: MailHog or MailDev.

MailHog (Compose) serves GET /api/v2/messages and DELETE /api/v1/messages.
MailDev 2.2.1 (native stack) serves GET /email and DELETE /email/all. The
client tries MailHog's path first and remembers which one answered.
"""

import email
import email.policy
import time
from dataclasses import dataclass

import requests

REQUEST_TIMEOUT = 5


@dataclass(frozen=True)
class Mail:
    """One caught message, reduced to what the tests check."""

    to: tuple[str, ...]
    subject: str
    body: str
    message_id: str


class Mailbox:
    """HTTP client of a MailHog or MailDev inbox."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self._kind: str | None = None

    def messages(self) -> list[Mail]:
        """Return every caught message."""
        if self._detect() == "mailhog":
            response = requests.get(f"{self.base_url}/api/v2/messages", timeout=REQUEST_TIMEOUT)
            response.raise_for_status()
            return [_from_mailhog(item) for item in response.json().get("items") or []]

        response = requests.get(f"{self.base_url}/email", timeout=REQUEST_TIMEOUT)
        response.raise_for_status()
        return [_from_maildev(item) for item in response.json()]

    def clear(self) -> None:
        """Delete every caught message."""
        path = "/api/v1/messages" if self._detect() == "mailhog" else "/email/all"
        response = requests.delete(self.base_url + path, timeout=REQUEST_TIMEOUT)
        response.raise_for_status()

    def messages_to(self, address: str) -> list[Mail]:
        """Return the caught messages addressed to address, compared case-insensitively."""
        address = address.lower()
        return [mail for mail in self.messages() if address in (to.lower() for to in mail.to)]

    def wait_for(self, address: str, count: int = 1, timeout_s: float = 20.0) -> list[Mail]:
        """Poll until at least count messages to address arrived; return them, or fail."""
        deadline = time.monotonic() + timeout_s
        while True:
            found = self.messages_to(address)
            if len(found) >= count or time.monotonic() >= deadline:
                break
            time.sleep(0.25)
        assert len(found) >= count, f"{len(found)} of {count} messages to {address} arrived"
        return found

    def _detect(self) -> str:
        if self._kind is None:
            response = requests.get(
                f"{self.base_url}/api/v2/messages", params={"limit": 1}, timeout=REQUEST_TIMEOUT
            )
            self._kind = "mailhog" if response.status_code == 200 else "maildev"
        return self._kind


def _from_mailhog(item: dict) -> Mail:
    # Parse the raw message, because MailHog's Content.Body keeps the
    # transfer encoding (quoted-printable, for instance) of the sent message.
    raw = item.get("Raw", {}).get("Data", "")
    message = email.message_from_string(raw, policy=email.policy.default)
    part = message.get_body(preferencelist=("plain",))
    recipients = item.get("Raw", {}).get("To") or []
    return Mail(
        to=tuple(recipients),
        subject=str(message.get("Subject", "")),
        body=part.get_content() if part is not None else "",
        message_id=str(message.get("Message-ID", "")),
    )


def _from_maildev(item: dict) -> Mail:
    headers = {key.lower(): value for key, value in (item.get("headers") or {}).items()}
    return Mail(
        to=tuple(entry.get("address", "") for entry in item.get("to") or []),
        subject=item.get("subject", ""),
        body=item.get("text", ""),
        message_id=str(headers.get("message-id", item.get("messageId", ""))),
    )
