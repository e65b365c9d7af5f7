"""Lists of the likes service: the posts a user likes, and the most liked posts.

The popular list covers every post on the stack, the sample data included. Its
tests therefore check only the order of their own posts relative to each other.
Posts that must appear near the top get more likes than any sample post has.
"""

from urllib.parse import urlsplit

import pytest

from e2e.support import LINK_NEXT_PATTERN, MAX_PAGES, assert_error, unique_username

# More likes than the sample data gives any post, which is at most 3.
LEADING_LIKES = 4


@pytest.fixture
def likers(make_user, reuse):
    """Return five users shared by the tests of this module.

    The tests like only posts that they create, so the users' other likes do not
    matter, except in the tests of a user's own list, which create their own user.
    """
    return reuse("likers", lambda: [make_user(f"liker{index}") for index in range(5)])


def collect_liked_pages(likes, username: str, *, limit: int, between_pages=None):
    """Walk a user's liked-posts list through its Link headers and return (post ids, responses)."""
    post_ids = []
    responses = []
    response = likes.get(f"/like/posts/{username}", params={"limit": limit})
    for _ in range(MAX_PAGES):
        assert response.status_code == 200, response.text[:500]
        responses.append(response)
        post_ids.extend(response.json()["posts"])
        if "next" not in response.links:
            return post_ids, responses

        if between_pages is not None:
            between_pages()
        response = likes.get_next_page(response)
    raise AssertionError(f"likes of {username} still had a next page after {MAX_PAGES} pages")


def popular(likes, limit: int = 50) -> list[dict]:
    response = likes.get("/like/popular", params={"limit": limit})
    assert response.status_code == 200, response.text
    return response.json()


def popular_counts(likes, post_ids) -> list[tuple[int, int]]:
    """Return (post_id, likes) of the given posts, in the order of the popular list."""
    wanted = set(post_ids)
    return [
        (item["post_id"], item["likes"]) for item in popular(likes) if item["post_id"] in wanted
    ]


# GET /like/posts/{username}


def test_liked_posts_newest_first(likes, make_user, make_post, make_like):
    alice = make_user("alice")
    posts = [make_post(alice, f"number {index}") for index in range(3)]
    for post in posts:
        make_like(alice, post["id"])

    response = likes.get(f"/like/posts/{alice.username}")

    assert response.status_code == 200, response.text
    assert response.json() == {
        "username": alice.username,
        "posts": [post["id"] for post in reversed(posts)],
    }
    assert "Link" not in response.headers


def test_liked_posts_without_likes_empty(likes, make_user):
    alice = make_user("alice")

    response = likes.get(f"/like/posts/{alice.username}")

    assert response.status_code == 200, response.text
    assert response.json() == {"username": alice.username, "posts": []}


@pytest.mark.parametrize("spelling", [str.upper, str.lower], ids=["upper-case", "lower-case"])
def test_liked_posts_username_any_case(likes, make_user, make_post, make_like, spelling):
    alice = make_user("Alice_Mixed")
    post = make_post(alice)
    make_like(alice, post["id"])

    response = likes.get(f"/like/posts/{spelling(alice.username)}")

    assert response.status_code == 200, response.text
    assert response.json() == {"username": alice.username, "posts": [post["id"]]}


def test_liked_posts_paged_in_order(likes, make_user, make_post, make_like):
    alice = make_user("alice")
    posts = [make_post(alice, f"number {index}") for index in range(5)]
    for post in posts:
        make_like(alice, post["id"])

    post_ids, responses = collect_liked_pages(likes, alice.username, limit=2)

    assert post_ids == [post["id"] for post in reversed(posts)]
    assert [len(response.json()["posts"]) for response in responses] == [2, 2, 1]
    for response in responses[:-1]:
        assert LINK_NEXT_PATTERN.match(response.headers["Link"]), response.headers["Link"]
    assert "Link" not in responses[-1].headers


def test_liked_posts_paged_while_liking(likes, make_user, make_post, make_like):
    alice = make_user("alice")
    posts = [make_post(alice, f"before paging {index}") for index in range(5)]
    for post in posts:
        make_like(alice, post["id"])
    new_posts = []

    def like_one_more():
        post = make_post(alice, f"during paging {len(new_posts)}")
        make_like(alice, post["id"])
        new_posts.append(post)

    post_ids, _ = collect_liked_pages(likes, alice.username, limit=2, between_pages=like_one_more)

    assert len(post_ids) == len(set(post_ids)), post_ids
    assert post_ids == [post["id"] for post in reversed(posts)]
    assert len(new_posts) == 2


def test_liked_posts_drop_unliked_post(likes, make_user, make_post, make_like):
    alice = make_user("alice")
    first = make_post(alice, "first")
    second = make_post(alice, "second")
    make_like(alice, first["id"])
    make_like(alice, second["id"])
    assert likes.delete("/unlike", auth=alice, json={"post_id": first["id"]}).status_code == 200

    response = likes.get(f"/like/posts/{alice.username}")

    assert response.status_code == 200, response.text
    assert response.json()["posts"] == [second["id"]]


def test_liked_posts_unknown_user_not_found(likes):
    nobody = unique_username("nobody")

    response = likes.get(f"/like/posts/{nobody}")

    body = assert_error(response, 404)
    assert nobody in body["message"]


@pytest.mark.parametrize("limit", ["0", "101", "abc", "-1", "1.5"])
def test_liked_posts_bad_limit_rejected(likes, likers, limit):
    response = likes.get(f"/like/posts/{likers[0].username}", params={"limit": limit})

    assert_error(response, 400)


@pytest.mark.parametrize("before", ["garbage", "~~~", "-5"], ids=["word", "symbols", "negative"])
def test_liked_posts_garbage_before_rejected(likes, likers, before):
    response = likes.get(f"/like/posts/{likers[0].username}", params={"before": before})

    assert_error(response, 400)


@pytest.mark.parametrize("limit", ["1", "100"])
def test_liked_posts_limit_bounds_accepted(likes, likers, limit):
    response = likes.get(f"/like/posts/{likers[0].username}", params={"limit": limit})

    assert response.status_code == 200, response.text
    assert isinstance(response.json()["posts"], list)


# GET /like/popular


def test_popular_orders_by_likes_then_newer(likes, likers, make_post, make_like):
    old = make_post(likers[0], "old")
    middle = make_post(likers[0], "middle")
    new = make_post(likers[0], "new")
    for liker in likers:
        make_like(liker, middle["id"])
    for liker in likers[:LEADING_LIKES]:
        make_like(liker, old["id"])
        make_like(liker, new["id"])

    counts = popular_counts(likes, [old["id"], middle["id"], new["id"]])

    assert counts == [
        (middle["id"], LEADING_LIKES + 1),
        (new["id"], LEADING_LIKES),
        (old["id"], LEADING_LIKES),
    ]


def test_popular_sorted_by_likes_then_id(likes, likers, make_post, make_like):
    make_like(likers[0], make_post(likers[0])["id"])

    items = popular(likes)

    keys = [(item["likes"], item["post_id"]) for item in items]
    assert items
    assert keys == sorted(keys, reverse=True)
    assert len({item["post_id"] for item in items}) == len(items)


def test_popular_items_have_positive_likes(likes, likers, make_post, make_like):
    make_like(likers[0], make_post(likers[0])["id"])

    items = popular(likes)

    assert items
    for item in items:
        assert set(item) == {"post_id", "likes", "post_url"}, item
        assert isinstance(item["post_id"], int), item
        assert isinstance(item["likes"], int), item
        assert item["likes"] >= 1, item


def test_popular_post_url_names_post(likes, timelines, likers, make_post, make_like):
    post = make_post(likers[0], "has a URL")
    for liker in likers[:LEADING_LIKES]:
        make_like(liker, post["id"])

    items = popular(likes)

    mine = [item for item in items if item["post_id"] == post["id"]]
    assert len(mine) == 1, items
    url = urlsplit(mine[0]["post_url"])
    assert url.scheme in ("http", "https"), mine[0]
    assert url.path.rstrip("/").endswith(f"/posts/{post['id']}"), mine[0]
    assert timelines.get(url.path).json() == post
    for item in items:
        assert urlsplit(item["post_url"]).path.rstrip("/").endswith(f"/posts/{item['post_id']}")


def test_popular_likes_match_count(likes, likers, make_post, make_like):
    post = make_post(likers[0])
    for liker in likers[:LEADING_LIKES]:
        make_like(liker, post["id"])

    counts = popular_counts(likes, [post["id"]])

    assert counts == [(post["id"], LEADING_LIKES)]
    assert likes.get(f"/like/{post['id']}").json()["likes"] == LEADING_LIKES


def test_popular_default_limit_is_5(likes, likers, make_post, make_like):
    # Six liked posts exist after this, so the default of five must cut the list.
    for index in range(6):
        make_like(likers[0], make_post(likers[0], f"number {index}")["id"])

    response = likes.get("/like/popular")

    assert response.status_code == 200, response.text
    assert len(response.json()) == 5
    assert response.json() == popular(likes)[:5]


@pytest.mark.parametrize("limit", [1, 2])
def test_popular_limit_cuts_list(likes, likers, make_post, make_like, limit):
    for index in range(limit + 1):
        make_like(likers[0], make_post(likers[0], f"number {index}")["id"])

    response = likes.get("/like/popular", params={"limit": limit})

    assert response.status_code == 200, response.text
    assert len(response.json()) == limit
    assert response.json() == popular(likes)[:limit]


def test_popular_limit_50_accepted(likes):
    response = likes.get("/like/popular", params={"limit": 50})

    assert response.status_code == 200, response.text
    assert len(response.json()) <= 50


@pytest.mark.parametrize("limit", ["0", "51", "abc", "-1", "1.5", ""])
def test_popular_bad_limit_rejected(likes, limit):
    response = likes.get("/like/popular", params={"limit": limit})

    assert_error(response, 400)


def test_popular_drops_post_without_likes(likes, likers, make_post, make_like):
    post = make_post(likers[0], "liked, then not")
    for liker in likers[:LEADING_LIKES]:
        make_like(liker, post["id"])
    assert popular_counts(likes, [post["id"]]) == [(post["id"], LEADING_LIKES)]

    for liker in likers[:LEADING_LIKES]:
        response = likes.delete("/unlike", auth=liker, json={"post_id": post["id"]})
        assert response.status_code == 200, response.text

    assert popular_counts(likes, [post["id"]]) == []
    assert likes.get(f"/like/{post['id']}").json()["likes"] == 0


def test_popular_keeps_post_with_fewer_likes(likes, likers, make_post, make_like):
    post = make_post(likers[0], "liked by fewer")
    for liker in likers[: LEADING_LIKES + 1]:
        make_like(liker, post["id"])

    response = likes.delete("/unlike", auth=likers[0], json={"post_id": post["id"]})

    assert response.status_code == 200, response.text
    assert popular_counts(likes, [post["id"]]) == [(post["id"], LEADING_LIKES)]
