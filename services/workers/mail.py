"""Render the emails the workers send and send them over SMTP."""

import smtplib
from email.message import EmailMessage
from email.utils import formatdate

from .errors import PassingFailure
from .settings import WorkerSettings

# The right-hand side of every Message-ID; the left-hand side is the email id.
MESSAGE_ID_DOMAIN = "microblog.localhost"


def render_like_removed(username: str, post_id: int) -> tuple[str, str]:
    """Return the subject and body telling a user that their like of a missing post is gone."""
    subject = f"Your like of post {post_id} was removed"
    body = (
        f"Hello {username},\n\n"
        f"you liked post {post_id}, but that post does not exist, so your like was removed.\n"
    )
    return subject, body


def render_post_deleted(username: str, post_id: int, poll_urls: list[str]) -> tuple[str, str]:
    """Return the subject and body telling an author why their post was deleted."""
    polls = "\n".join(f"  {url}" for url in poll_urls)
    subject = f"Your post {post_id} was deleted"
    body = (
        f"Hello {username},\n\n"
        f"your post {post_id} was deleted because it links to polls that do not exist:\n"
        f"{polls}\n"
    )
    return subject, body


def build_message(
    settings: WorkerSettings, to: str, email_id: str, subject: str, body: str
) -> EmailMessage:
    """Build a plain-text message whose Message-ID comes from email_id.

    Every retry of one email job sends the same Message-ID, so a mail client
    can tell a repeat from a new message.
    """
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = f"<{email_id}@{MESSAGE_ID_DOMAIN}>"
    message.set_content(body)
    return message


def send(settings: WorkerSettings, message: EmailMessage) -> None:
    """Send a message; raise PassingFailure when the SMTP server does not take it.

    Once the server has accepted the message data, a failure of the closing
    QUIT is ignored, because the message is already on its way.
    """
    try:
        smtp = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_s)
    except OSError as error:
        raise PassingFailure(
            f"cannot connect to SMTP {settings.smtp_host}:{settings.smtp_port}: {error}"
        ) from None

    try:
        smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as error:
        smtp.close()
        raise PassingFailure(f"SMTP send failed: {error}") from None

    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
