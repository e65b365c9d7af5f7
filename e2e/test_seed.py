"""Smoke test of the sample data. It is the only test that relies on the seeded users."""

from e2e.support import collect_pages

SEED_USERNAMES = ["ada", "grace", "linus", "margaret"]
SEED_PASSWORD = "password"


def test_seed_data_exists(users, timelines):
    for username in SEED_USERNAMES:
        response = users.get(f"/user/{username}")
        assert response.status_code == 200, f"{username}: {response.text[:200]}"
        assert response.json()["username"] == username

        response = users.get("/user/authenticate", auth=(username, SEED_PASSWORD))
        assert response.status_code == 200, f"{username}: {response.text[:200]}"

    following, _ = collect_pages(users, "/user/ada/following", limit=100)
    following_names = {item["username"] for item in following}
    assert "grace" in following_names
    assert "linus" in following_names

    response = timelines.get("/posts/all")
    assert response.status_code == 200
    assert response.json()

    ada_posts, _ = collect_pages(timelines, "/ada/posts", limit=100)
    assert any(post["repost"] for post in ada_posts)
