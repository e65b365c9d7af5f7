"""Smoke test of the sample poll. It relies on the seeded user ada."""

import re
from urllib.parse import urlsplit

from e2e.support import collect_pages

# The sample poll's author links to it in a post, as a URL of this form.
ADA_POLL_URL = re.compile(r"https?://[^\s/]+/poll/results/ada/\d+")


def test_seed_poll_exists(timelines, polls):
    posts, _ = collect_pages(timelines, "/ada/posts", limit=100)
    poll_urls = [url for post in posts for url in ADA_POLL_URL.findall(post["text"])]

    assert poll_urls, [post["text"] for post in posts]
    response = polls.get(urlsplit(poll_urls[-1]).path)
    assert response.status_code == 200, response.text
    poll = response.json()
    assert poll["username"] == "ada"
    assert poll["question"]
    assert 2 <= len(poll["options"]) <= 4
