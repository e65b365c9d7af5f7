"""Find the poll URLs in a post's text."""

import re
from dataclasses import dataclass

# The public URL of a poll's results, on any port, such as
# http://polls.localhost:8080/poll/results/ada/12. The lookarounds stop a
# match inside a longer word or number.
POLL_URL_PATTERN = re.compile(
    r"(?<![\w.])http://polls\.localhost(?::\d{1,5})?"
    r"/poll/results/([A-Za-z0-9_]{1,30})/(\d{1,19})(?![\w])/?"
)


@dataclass(frozen=True)
class PollLink:
    """A poll linked from a post: the URL as written, its owner and its id."""

    url: str
    username: str
    poll_id: int


def find_poll_links(text: str) -> list[PollLink]:
    """Return the distinct poll links of text, in order of first appearance."""
    links: dict[tuple[str, int], PollLink] = {}
    for match in POLL_URL_PATTERN.finditer(text):
        key = (match.group(1).lower(), int(match.group(2)))
        links.setdefault(key, PollLink(match.group(0), match.group(1), int(match.group(2))))
    return list(links.values())
