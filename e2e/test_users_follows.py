"""The follow graph on the users service: follow, unfollow and the follower lists."""

import pytest

from e2e.support import assert_error, collect_pages, run_concurrently, unique_username


def usernames(response) -> list[str]:
    return [item["username"] for item in response.json()]


def follow_counts(users, user) -> tuple[int, int]:
    """Return the (followers, following) counts of a user's public profile."""
    profile = users.get(f"/user/{user.username}").json()
    return profile["followers"], profile["following"]


# POST /user/follow


def test_follow_returns_pair(users, make_user):
    alice = make_user("alice")
    bob = make_user("bob")

    response = users.post(
        "/user/follow",
        auth=alice,
        json={"follower_username": alice.username, "following_username": bob.username},
    )

    assert response.status_code == 201, response.text
    assert response.json() == {"follower": alice.username, "following": bob.username}


def test_follow_updates_lists_and_counts(users, make_user, make_follow):
    alice = make_user("alice")
    bob = make_user("bob")

    make_follow(alice, bob)

    assert usernames(users.get(f"/user/{bob.username}/followers")) == [alice.username]
    assert usernames(users.get(f"/user/{alice.username}/following")) == [bob.username]
    assert follow_counts(users, bob) == (1, 0)
    assert follow_counts(users, alice) == (0, 1)


def test_follow_defaults_to_authenticated_user(users, make_user):
    alice = make_user("alice")
    bob = make_user("bob")

    response = users.post("/user/follow", auth=alice, json={"following_username": bob.username})

    assert response.status_code == 201, response.text
    assert usernames(users.get(f"/user/{bob.username}/followers")) == [alice.username]


def test_follow_for_other_user_forbidden(users, make_user):
    alice = make_user("alice")
    bob = make_user("bob")
    carol = make_user("carol")

    response = users.post(
        "/user/follow",
        auth=alice,
        json={"follower_username": bob.username, "following_username": carol.username},
    )

    assert_error(response, 403)
    assert follow_counts(users, carol) == (0, 0)


@pytest.mark.parametrize("spelling", [str, str.upper, str.lower], ids=["same", "upper", "lower"])
def test_follow_self_rejected(users, make_user, spelling):
    alice = make_user("Alice_Mixed")

    response = users.post(
        "/user/follow", auth=alice, json={"following_username": spelling(alice.username)}
    )

    assert_error(response, 400)
    assert follow_counts(users, alice) == (0, 0)


def test_follow_unknown_user_not_found(users, make_user):
    alice = make_user("alice")
    nobody = unique_username("nobody")

    response = users.post("/user/follow", auth=alice, json={"following_username": nobody})

    body = assert_error(response, 404)
    assert nobody in body["message"]
    assert follow_counts(users, alice) == (0, 0)


def test_follow_twice_conflict(users, make_user, make_follow):
    alice = make_user("alice")
    bob = make_user("bob")
    make_follow(alice, bob)

    response = users.post("/user/follow", auth=alice, json={"following_username": bob.username})

    assert_error(response, 409)
    assert follow_counts(users, bob) == (1, 0)


def test_follow_concurrent_copies_follow_once(users, make_user):
    alice = make_user("alice")
    bob = make_user("bob")
    body = {"follower_username": alice.username, "following_username": bob.username}

    responses = run_concurrently(lambda: users.post("/user/follow", auth=alice, json=body))

    statuses = sorted(response.status_code for response in responses)
    assert set(statuses) <= {201, 409}, statuses
    assert statuses.count(201) == 1, statuses
    assert usernames(users.get(f"/user/{bob.username}/followers")) == [alice.username]
    assert follow_counts(users, bob) == (1, 0)
    assert follow_counts(users, alice) == (0, 1)


# DELETE /user/unFollow


def test_unfollow_removes_follow(users, make_user, make_follow):
    alice = make_user("alice")
    bob = make_user("bob")
    make_follow(alice, bob)

    response = users.delete(
        "/user/unFollow",
        auth=alice,
        json={"follower_username": alice.username, "following_username": bob.username},
    )

    assert response.status_code == 200, response.text
    assert isinstance(response.json()["message"], str)
    assert users.get(f"/user/{bob.username}/followers").json() == []
    assert users.get(f"/user/{alice.username}/following").json() == []
    assert follow_counts(users, bob) == (0, 0)
    assert follow_counts(users, alice) == (0, 0)


def test_unfollow_defaults_to_authenticated_user(users, make_user, make_follow):
    alice = make_user("alice")
    bob = make_user("bob")
    make_follow(alice, bob)

    response = users.delete("/user/unFollow", auth=alice, json={"following_username": bob.username})

    assert response.status_code == 200, response.text
    assert follow_counts(users, bob) == (0, 0)


def test_unfollow_for_other_user_forbidden(users, make_user, make_follow):
    alice = make_user("alice")
    bob = make_user("bob")
    carol = make_user("carol")
    make_follow(bob, carol)

    response = users.delete(
        "/user/unFollow",
        auth=alice,
        json={"follower_username": bob.username, "following_username": carol.username},
    )

    assert_error(response, 403)
    assert follow_counts(users, carol) == (1, 0)


def test_unfollow_not_following_not_found(users, make_user):
    alice = make_user("alice")
    bob = make_user("bob")

    response = users.delete("/user/unFollow", auth=alice, json={"following_username": bob.username})

    assert_error(response, 404)


def test_unfollow_unknown_user_not_found(users, make_user):
    alice = make_user("alice")
    nobody = unique_username("nobody")

    response = users.delete("/user/unFollow", auth=alice, json={"following_username": nobody})

    body = assert_error(response, 404)
    assert nobody in body["message"]


def test_unfollow_concurrent_copies_unfollow_once(users, make_user, make_follow):
    alice = make_user("alice")
    bob = make_user("bob")
    make_follow(alice, bob)
    body = {"follower_username": alice.username, "following_username": bob.username}

    responses = run_concurrently(lambda: users.delete("/user/unFollow", auth=alice, json=body))

    statuses = sorted(response.status_code for response in responses)
    assert set(statuses) <= {200, 404}, statuses
    assert statuses.count(200) == 1, statuses
    assert users.get(f"/user/{bob.username}/followers").json() == []
    assert follow_counts(users, bob) == (0, 0)
    assert follow_counts(users, alice) == (0, 0)


def test_follow_again_after_unfollow(users, make_user, make_follow):
    alice = make_user("alice")
    bob = make_user("bob")
    make_follow(alice, bob)
    users.delete("/user/unFollow", auth=alice, json={"following_username": bob.username})

    response = users.post("/user/follow", auth=alice, json={"following_username": bob.username})

    assert response.status_code == 201, response.text
    assert follow_counts(users, bob) == (1, 0)


# GET /user/{username}/followers and /following


@pytest.mark.parametrize("relation", ["followers", "following"])
def test_follow_list_unknown_user_not_found(users, relation):
    nobody = unique_username("nobody")

    response = users.get(f"/user/{nobody}/{relation}")

    body = assert_error(response, 404)
    assert nobody in body["message"]


def test_followers_newest_first_paged(users, make_user, make_follow):
    star = make_user("star")
    fans = [make_user(f"fan{index}") for index in range(5)]
    for fan in fans:
        make_follow(fan, star)
    expected = [fan.username for fan in reversed(fans)]

    items, responses = collect_pages(users, f"/user/{star.username}/followers", limit=2)

    assert [item["username"] for item in items] == expected
    assert [len(response.json()) for response in responses] == [2, 2, 1]
    assert all(set(item) == {"username"} for item in items)


def test_following_newest_first_paged(users, make_user, make_follow):
    fan = make_user("fan")
    stars = [make_user(f"star{index}") for index in range(4)]
    for star in stars:
        make_follow(fan, star)
    expected = [star.username for star in reversed(stars)]

    items, responses = collect_pages(users, f"/user/{fan.username}/following", limit=3)

    assert [item["username"] for item in items] == expected
    assert [len(response.json()) for response in responses] == [3, 1]
