"""Post lists on the timelines service: a user's posts, all posts and the home timeline."""

from e2e.support import assert_error, assert_post_shape, unique_username


def ids_of(response) -> list[int]:
    return [post["id"] for post in response.json()]


# GET /{username}/posts


def test_user_posts_newest_first(timelines, make_user, make_post):
    alice = make_user("alice")
    bob = make_user("bob")
    posts = [make_post(alice, f"number {index}") for index in range(3)]
    make_post(bob)

    response = timelines.get(f"/{alice.username}/posts")

    assert response.status_code == 200, response.text
    assert response.json() == list(reversed(posts))
    for post in response.json():
        assert_post_shape(post)


def test_user_posts_empty_for_new_user(timelines, make_user):
    alice = make_user("alice")

    response = timelines.get(f"/{alice.username}/posts")

    assert response.status_code == 200, response.text
    assert response.json() == []


def test_user_posts_unknown_user_names_user(timelines):
    nobody = unique_username("nobody")

    response = timelines.get(f"/{nobody}/posts")

    body = assert_error(response, 404)
    assert nobody in body["message"]


# GET /posts/all


def test_all_posts_include_new_post(timelines, make_user, make_post):
    alice = make_user("alice")
    post = make_post(alice)

    response = timelines.get("/posts/all", params={"limit": 100})

    assert response.status_code == 200, response.text
    assert post in response.json()


def test_all_posts_newest_first(timelines, make_user, make_post):
    alice = make_user("alice")
    make_post(alice)

    response = timelines.get("/posts/all", params={"limit": 100})

    assert response.status_code == 200, response.text
    timestamps = [post["timestamp"] for post in response.json()]
    assert timestamps == sorted(timestamps, reverse=True)
    for post in response.json():
        assert_post_shape(post)


# GET /{username}/home


def test_home_shows_followed_posts_newest_first(timelines, make_user, make_post, make_follow):
    reader = make_user("reader")
    bob = make_user("bob")
    carol = make_user("carol")
    stranger = make_user("stranger")
    make_follow(reader, bob)
    make_follow(reader, carol)
    first = make_post(bob, "bob first")
    second = make_post(carol, "carol second")
    make_post(stranger, "not followed")
    make_post(reader, "own post")
    third = make_post(bob, "bob third")

    response = timelines.get(f"/{reader.username}/home", auth=reader)

    assert response.status_code == 200, response.text
    assert response.json() == [third, second, first]


def test_home_shows_new_followed_post(timelines, make_user, make_post, make_follow):
    reader = make_user("reader")
    bob = make_user("bob")
    make_follow(reader, bob)
    older = make_post(bob, "older")
    assert ids_of(timelines.get(f"/{reader.username}/home", auth=reader)) == [older["id"]]

    newer = make_post(bob, "newer")

    response = timelines.get(f"/{reader.username}/home", auth=reader)
    assert response.status_code == 200, response.text
    assert ids_of(response) == [newer["id"], older["id"]]


def test_home_shows_followed_reposts(timelines, make_user, make_post, make_follow):
    reader = make_user("reader")
    bob = make_user("bob")
    stranger = make_user("stranger")
    make_follow(reader, bob)
    original = make_post(stranger)
    repost = timelines.post(f"/repost/{original['id']}", auth=bob).json()

    response = timelines.get(f"/{reader.username}/home", auth=reader)

    assert response.status_code == 200, response.text
    assert response.json() == [repost]


def test_home_drops_unfollowed_posts(users, timelines, make_user, make_post, make_follow):
    reader = make_user("reader")
    bob = make_user("bob")
    make_follow(reader, bob)
    make_post(bob)
    users.delete("/user/unFollow", auth=reader, json={"following_username": bob.username})

    response = timelines.get(f"/{reader.username}/home", auth=reader)

    assert response.status_code == 200, response.text
    assert response.json() == []


def test_home_empty_without_follows(timelines, make_user, make_post):
    reader = make_user("reader")
    make_post(reader)

    response = timelines.get(f"/{reader.username}/home", auth=reader)

    assert response.status_code == 200, response.text
    assert response.json() == []


def test_home_of_other_user_forbidden(timelines, make_user):
    alice = make_user("alice")
    bob = make_user("bob")

    response = timelines.get(f"/{bob.username}/home", auth=alice)

    assert_error(response, 403)


def test_home_unauthenticated(timelines, make_user):
    alice = make_user("alice")

    response = timelines.get(f"/{alice.username}/home")

    assert_error(response, 401)
    assert "Basic" in response.headers.get("WWW-Authenticate", "")
