"""Likes in Redis: one set of likers per post, a ranking, and each user's likes.

Keys:
  likes:post:{post_id}:users   SET of usernames who like the post
  likes:user:{username}:posts  ZSET of post ids, scored by like order (newest highest)
  likes:popular                ZSET of zero-padded post ids, scored by like count
  likes:sequence               counter giving each like its order

A post's count is the size of its likers set, and the ranking stores that
size, so the two cannot drift apart or go below zero. Ranking members are
zero-padded so that equal counts sort by post id: Redis orders ties by
member bytes, and ZREVRANGE then puts the higher, newer post id first.
"""

from dataclasses import dataclass

import redis

POPULAR = "likes:popular"
SEQUENCE = "likes:sequence"

# Each script runs atomically in Redis, so concurrent duplicates cannot both
# count: only the SADD or SREM that changes the set goes on.
LIKE_SCRIPT = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then
    return -1
end
local order = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[2], order, ARGV[2])
local count = redis.call('SCARD', KEYS[1])
redis.call('ZADD', KEYS[4], count, ARGV[3])
return count
"""

UNLIKE_SCRIPT = """
if redis.call('SREM', KEYS[1], ARGV[1]) == 0 then
    return -1
end
redis.call('ZREM', KEYS[2], ARGV[2])
local count = redis.call('SCARD', KEYS[1])
if count > 0 then
    redis.call('ZADD', KEYS[3], count, ARGV[3])
else
    redis.call('ZREM', KEYS[3], ARGV[3])
end
return count
"""


@dataclass(frozen=True)
class LikedPost:
    """One entry of a user's likes: the post and the like's order."""

    post_id: int
    order: int


class AlreadyDone(Exception):
    """The like or unlike changed nothing: it was already in that state."""


class LikeStore:
    """Read and change likes in one Redis database."""

    def __init__(self, client: redis.Redis):
        self.client = client
        self._like = client.register_script(LIKE_SCRIPT)
        self._unlike = client.register_script(UNLIKE_SCRIPT)

    def like(self, username: str, post_id: int) -> int:
        """Record that username likes the post; return the new count.

        Raises AlreadyDone when the user already likes it.
        """
        keys = [_likers(post_id), _user_posts(username), SEQUENCE, POPULAR]
        count = self._like(keys=keys, args=[username, post_id, _member(post_id)])
        if count < 0:
            raise AlreadyDone()
        return count

    def unlike(self, username: str, post_id: int) -> int:
        """Remove username's like of the post; return the new count.

        Raises AlreadyDone when the user did not like it.
        """
        keys = [_likers(post_id), _user_posts(username), POPULAR]
        count = self._unlike(keys=keys, args=[username, post_id, _member(post_id)])
        if count < 0:
            raise AlreadyDone()
        return count

    def count(self, post_id: int) -> int:
        """Return how many users like the post."""
        return self.client.scard(_likers(post_id))

    def liked_posts(self, username: str, before: int | None, fetch: int) -> list[LikedPost]:
        """Return up to fetch of the user's likes older than before, newest first."""
        maximum = f"({before}" if before is not None else "+inf"
        entries = self.client.zrevrangebyscore(
            _user_posts(username), maximum, "-inf", start=0, num=fetch, withscores=True
        )
        return [LikedPost(int(member), int(score)) for member, score in entries]

    def popular(self, limit: int) -> list[tuple[int, int]]:
        """Return (post_id, likes) of the most liked posts; ties go to the newer post."""
        entries = self.client.zrevrange(POPULAR, 0, limit - 1, withscores=True)
        return [(int(member), int(score)) for member, score in entries]

    def answers(self) -> bool:
        """Return True when Redis answers a PING."""
        try:
            return bool(self.client.ping())
        except redis.RedisError:
            return False


def _likers(post_id: int) -> str:
    return f"likes:post:{post_id}:users"


def _user_posts(username: str) -> str:
    return f"likes:user:{username.lower()}:posts"


def _member(post_id: int) -> str:
    return f"{post_id:019d}"
