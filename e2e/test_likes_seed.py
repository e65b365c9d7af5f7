"""Smoke test of the sample likes. It relies on the seeded users."""

from e2e.support import collect_pages

SEED_USERNAMES = ["ada", "grace", "linus", "margaret"]


def test_seed_likes_exist(likes, timelines):
    liked_ids = set()
    for username in SEED_USERNAMES:
        response = likes.get(f"/like/posts/{username}", params={"limit": 100})
        assert response.status_code == 200, f"{username}: {response.text[:200]}"
        liked_ids |= set(response.json()["posts"])

    assert liked_ids
    seed_post_ids = set()
    for username in SEED_USERNAMES:
        posts, _ = collect_pages(timelines, f"/{username}/posts", limit=100)
        seed_post_ids |= {post["id"] for post in posts}
    assert liked_ids & seed_post_ids
    for post_id in liked_ids & seed_post_ids:
        response = likes.get(f"/like/{post_id}")
        assert response.status_code == 200, f"post {post_id}: {response.text[:200]}"
        assert response.json()["likes"] >= 1, post_id

    response = likes.get("/like/popular")
    assert response.status_code == 200, response.text
    assert response.json()
