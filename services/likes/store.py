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


# Removes every like of one post: from each liker's list, the likers set and
# the ranking. The likers' list keys are built here from the set's members,
# which works on one Redis server but not on Redis Cluster.
FORGET_POST_SCRIPT = """
local likers = redis.call('SMEMBERS', KEYS[1])
for _, username in ipairs(likers) do
    redis.call('ZREM', 'likes:user:' .. string.lower(username) .. ':posts', ARGV[1])
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
return #likers
"""

# Removes up to ARGV[2] of a user's likes, oldest first, correcting each
# post's likers set and ranking as UNLIKE_SCRIPT does; returns how many are
# left. Usernames are ASCII, so Lua's string.lower matches Python's lower().
FORGET_USER_LIKES_SCRIPT = """
local post_ids = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)
for _, post_id in ipairs(post_ids) do
    local likers = 'likes:post:' .. post_id .. ':users'
    local member = string.rep('0', 19 - #post_id) .. post_id
    redis.call('SREM', likers, ARGV[1])
    local count = redis.call('SCARD', likers)
    if count > 0 then
        redis.call('ZADD', KEYS[2], count, member)
    else
        redis.call('ZREM', KEYS[2], member)
    end
    redis.call('ZREM', KEYS[1], post_id)
end
return redis.call('ZCARD', KEYS[1])
"""

# Likes removed per FORGET_USER_LIKES_SCRIPT run, so that one run does not
# block Redis for long.
FORGET_BATCH_SIZE = 500
# Bound on those runs per call: 2,000 batches of 500 is a million likes.
MAX_FORGET_BATCHES = 2000


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
        self._forget_post = client.register_script(FORGET_POST_SCRIPT)
        self._forget_user_likes = client.register_script(FORGET_USER_LIKES_SCRIPT)

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

    def forget_post(self, post_id: int) -> int:
        """Remove every like of the post, with its ranking entry; return how many there were."""
        keys = [_likers(post_id), POPULAR]
        return self._forget_post(keys=keys, args=[post_id, _member(post_id)])

    def forget_user_likes(self, username: str) -> int:
        """Remove every like that username gave, correcting counts and ranking; return the rest.

        The rest is 0 unless the user has more than MAX_FORGET_BATCHES batches of likes.
        """
        keys = [_user_posts(username), POPULAR]
        left = 0
        for _ in range(MAX_FORGET_BATCHES):
            left = self._forget_user_likes(keys=keys, args=[username, FORGET_BATCH_SIZE])
            if left == 0:
                break
        return left

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
        """Return True when Redis replies to a PING."""
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
