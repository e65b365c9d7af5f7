"""Load the benchmark data set straight into the stores of a running stack.

Users, follows and posts go into Postgres with COPY, likes into Redis with
pipelines and polls into DynamoDB with BatchWriteItem, so loading 1,000,000
posts takes seconds to minutes rather than one HTTP request per row.

Every bench account is named bench_NNNNNN (or bench_fK for the account that
follows exactly K others) and shares one password, hashed once with the users
service's own Argon2id hasher. The script writes a JSON manifest that the load
scenarios read: the accounts, the post id range, the polls and the timings.

Postgres is reached at --pg-url with the password in the PGPASSWORD variable.
"""

import argparse
import bisect
import itertools
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import redis

from infra.dynamodb.create_tables import DynamoDBSettings
from services.likes.store import POPULAR, SEQUENCE, _likers, _member, _user_posts
from services.polls.data import BATCH_SIZE, POLL_ID_COUNTER, Store, _serialize
from services.users.passwords import hash_password

BENCH_PASSWORD = "bench-password"  # noqa: S105 - a throwaway password of generated accounts
USER_PREFIX = "bench_"
# Accounts with an exact number of followees, for the home timeline at scale.
FOLLOWEE_COUNTS = (10, 100, 1000)
# Regular accounts follow from MIN_FOLLOWS to MAX_FOLLOWS others, log-uniformly.
MIN_FOLLOWS = 20
MAX_FOLLOWS = 200
# The account of popularity rank r gets a share of follows proportional to
# 1 / (r + 1) ** FOLLOW_SKEW, so a few accounts are followed by most users.
FOLLOW_SKEW = 1.0
# Posts are spread evenly over this span, ending now.
POST_SPAN = timedelta(days=365)
LIKES_PER_POST = 0.2
# The vote scenario uses actor x poll pairs in turn, so it can send at most
# ACTOR_COUNT * POLL_COUNT votes in one bench run without a 409. More polls
# would slow every vote: moto 5.2.5's transact_write_items deep-copies each
# table it touches, and with 5,000 polls a vote took 150 to 1,300 ms unloaded.
POLL_COUNT = 500
# The last ACTOR_COUNT regular accounts like, vote and post during the load
# scenarios, so the generated likes never include them and no pair repeats.
# They are few, so after the first requests every service has their verified
# passwords cached and the scenarios measure the work of the request itself;
# the password-check scenario measures the Argon2id cost on its own.
ACTOR_COUNT = 8
POLL_OPTIONS = ("yes", "no", "maybe")
# Rows between two progress lines.
PROGRESS_ROWS = 100_000
REDIS_BATCH = 10_000
WORDS = [
    "coffee",
    "release",
    "deploy",
    "latency",
    "cache",
    "index",
    "query",
    "kernel",
    "lambda",
    "bench",
    "tuesday",
    "rain",
    "garden",
    "train",
    "music",
    "review",
    "build",
    "patch",
    "debug",
    "sunrise",
]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--users", type=int, default=10_000, help="regular accounts (default 10000)"
    )
    parser.add_argument("--posts", type=int, default=100_000, help="posts (default 100000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--pg-url", required=True, help="postgresql:// URL without a database")
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--dynamodb-url", required=True)
    parser.add_argument("--manifest", type=Path, required=True, help="JSON file to write")
    parser.add_argument(
        "--append", action="store_true", help="add posts and their likes to a loaded data set"
    )
    args = parser.parse_args(argv)
    if args.users < max(FOLLOWEE_COUNTS) + 1 or args.posts < 1:
        parser.error(f"--users must be above {max(FOLLOWEE_COUNTS)} and --posts at least 1")
    return args


def progress(label: str, done: int, total: int, started: float) -> None:
    elapsed = time.perf_counter() - started
    print(f"  {label}: {done:,}/{total:,} ({elapsed:.1f} s)", flush=True)


def regular_names(count: int) -> list[str]:
    return [f"{USER_PREFIX}{number:06d}" for number in range(count)]


def follow_pairs(rng: random.Random, count: int) -> list[tuple[int, int]]:
    """Draw the skewed follow graph as (follower index, followee index) pairs."""
    weights = [1.0 / (rank + 1) ** FOLLOW_SKEW for rank in range(count)]
    cumulative = list(itertools.accumulate(weights))
    total = cumulative[-1]
    pairs = []
    for follower in range(count):
        wanted = int(MIN_FOLLOWS * (MAX_FOLLOWS / MIN_FOLLOWS) ** rng.random())
        chosen: set[int] = set()
        # Popular accounts are drawn again and again, so a few rounds top up
        # the set; a user may end with slightly fewer than wanted.
        for _round in range(10):
            missing = wanted - len(chosen)
            if missing <= 0:
                break
            for _ in range(missing):
                followee = bisect.bisect(cumulative, rng.random() * total)
                if followee != follower and followee < count:
                    chosen.add(followee)
        pairs.extend((follower, followee) for followee in chosen)
    return pairs


def load_users(pg_url: str, rng: random.Random, count: int) -> dict:
    """COPY the accounts and the follow graph into the users database."""
    password_hash = hash_password(BENCH_PASSWORD)
    names = regular_names(count)
    special = {k: f"{USER_PREFIX}f{k}" for k in FOLLOWEE_COUNTS}
    started = time.perf_counter()

    with psycopg.connect(f"{pg_url}/users") as conn:
        with conn.cursor().copy("COPY users (username, email, password_hash) FROM STDIN") as copy:
            for name in [*names, *special.values()]:
                copy.write_row((name, f"{name}@bench.invalid", password_hash))
        ids = dict(
            conn.execute(
                "SELECT username, id FROM users WHERE username LIKE %s",
                (USER_PREFIX.replace("_", "\\_") + "%",),
            ).fetchall()
        )
        print(f"  users: {len(ids):,} ({time.perf_counter() - started:.1f} s)", flush=True)

        pairs = [(ids[names[a]], ids[names[b]]) for a, b in follow_pairs(rng, count)]
        for k, name in special.items():
            pairs.extend((ids[name], ids[names[b]]) for b in rng.sample(range(count), k))
        with conn.cursor().copy("COPY follows (follower_id, following_id) FROM STDIN") as copy:
            for number, pair in enumerate(pairs, 1):
                copy.write_row(pair)
                if number % (5 * PROGRESS_ROWS) == 0:
                    progress("follows", number, len(pairs), started)
        conn.execute("ANALYZE users")
        conn.execute("ANALYZE follows")
        top = conn.execute(
            """
            SELECT count(*) FROM follows
            WHERE following_id = (SELECT id FROM users WHERE username = %s)
            """,
            (names[0],),
        ).fetchone()[0]
    print(f"  follows: {len(pairs):,}, most followed account has {top:,} followers", flush=True)
    return {"names": names, "special": special, "follows": len(pairs), "top_followers": top}


def load_posts(pg_url: str, rng: random.Random, names: list[str], count: int) -> dict:
    """COPY the posts, oldest first, so ids grow with time as in real use."""
    end = datetime.now(UTC)
    start = end - POST_SPAN
    step = POST_SPAN / count
    started = time.perf_counter()

    with psycopg.connect(f"{pg_url}/timelines") as conn:
        before = conn.execute("SELECT coalesce(max(id), 0) FROM posts").fetchone()[0]
        with conn.cursor().copy("COPY posts (username, text, created_at) FROM STDIN") as copy:
            for number in range(count):
                words = " ".join(rng.choices(WORDS, k=rng.randint(4, 14)))
                copy.write_row((rng.choice(names), f"bench post {number}: {words}", start))
                start += step
                if (number + 1) % PROGRESS_ROWS == 0:
                    progress("posts", number + 1, count, started)
        first, last = conn.execute(
            "SELECT min(id), max(id) FROM posts WHERE id > %s", (before,)
        ).fetchone()
    # VACUUM sets the visibility map, as autovacuum would later, so the home
    # timeline's index-only scans skip the heap from the first request.
    with psycopg.connect(f"{pg_url}/timelines", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE posts")
    return {"first_post_id": first, "last_post_id": last}


def load_likes(redis_url: str, rng: random.Random, names: list[str], posts: dict) -> int:
    """Store likes with the likes service's key layout, in pipelined batches."""
    client = redis.Redis.from_url(redis_url)
    first, last = posts["first_post_id"], posts["last_post_id"]
    wanted = int((last - first + 1) * LIKES_PER_POST)
    order = int(client.get(SEQUENCE) or 0)
    counts: dict[int, int] = {}
    seen: set[tuple[str, int]] = set()
    started = time.perf_counter()

    pipe = client.pipeline(transaction=False)
    for number in range(wanted):
        # Half the likes go to the newest tenth of the posts.
        low = last - (last - first) // 10 if rng.random() < 0.5 else first
        like = (rng.choice(names[:-ACTOR_COUNT]), rng.randint(low, last))
        if like in seen:
            continue
        seen.add(like)
        order += 1
        counts[like[1]] = counts.get(like[1], 0) + 1
        pipe.sadd(_likers(like[1]), like[0])
        pipe.zadd(_user_posts(like[0]), {str(like[1]): order})
        if (number + 1) % REDIS_BATCH == 0:
            pipe.execute()
        if (number + 1) % PROGRESS_ROWS == 0:
            progress("likes", number + 1, wanted, started)
    for post_id, count in counts.items():
        pipe.zadd(POPULAR, {_member(post_id): count})
    pipe.set(SEQUENCE, order)
    pipe.execute()
    return len(seen)


def load_polls(dynamodb_url: str, rng: random.Random, names: list[str]) -> list[dict]:
    """Write the polls with BatchWriteItem, taking their ids from the polls counter."""
    os.environ["DYNAMODB_URL"] = dynamodb_url
    store = Store.connect(DynamoDBSettings.from_env())
    response = store.client.update_item(
        TableName=store.counters_table,
        Key={"name": {"S": POLL_ID_COUNTER}},
        UpdateExpression="ADD #value :count",
        ExpressionAttributeNames={"#value": "value"},
        ExpressionAttributeValues={":count": {"N": str(POLL_COUNT)}},
        ReturnValues="UPDATED_NEW",
    )
    last_id = int(response["Attributes"]["value"]["N"])
    now_ms = time.time_ns() // 1_000_000

    polls = []
    for poll_id in range(last_id - POLL_COUNT + 1, last_id + 1):
        owner = rng.choice(names)
        polls.append({"owner": owner, "poll_id": poll_id})
    for offset in range(0, len(polls), BATCH_SIZE):
        requests = []
        for poll in polls[offset : offset + BATCH_SIZE]:
            item = {
                "owner_key": poll["owner"].lower(),
                "poll_id": poll["poll_id"],
                "username": poll["owner"],
                "question": f"bench poll {poll['poll_id']}?",
                "options": list(POLL_OPTIONS),
                "created_at_ms": now_ms,
            }
            for number in range(1, len(POLL_OPTIONS) + 1):
                item[f"votes_{number}"] = 0
            requests.append({"PutRequest": {"Item": _serialize(item)}})
        unprocessed = {store.polls_table: requests}
        for _attempt in range(5):
            response = store.client.batch_write_item(RequestItems=unprocessed)
            unprocessed = response.get("UnprocessedItems") or {}
            if not unprocessed:
                break
            time.sleep(0.2)
        else:
            raise RuntimeError(f"DynamoDB left {len(unprocessed)} poll writes unprocessed")
    return polls


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    rng = random.Random(args.seed)  # noqa: S311 - reproducible test data, not secrets
    timings = {}

    if args.append:
        users = {
            "names": regular_names(args.users),
            "special": {},
            "follows": 0,
            "top_followers": 0,
        }
    else:
        print(f"loading {args.users:,} users and their follows", flush=True)
        started = time.perf_counter()
        users = load_users(args.pg_url, rng, args.users)
        timings["users_and_follows_s"] = time.perf_counter() - started

    print(f"loading {args.posts:,} posts", flush=True)
    started = time.perf_counter()
    posts = load_posts(args.pg_url, rng, users["names"], args.posts)
    timings["posts_s"] = time.perf_counter() - started

    print("loading likes", flush=True)
    started = time.perf_counter()
    likes = load_likes(args.redis_url, rng, users["names"], posts)
    timings["likes_s"] = time.perf_counter() - started

    polls = []
    if not args.append:
        print(f"loading {POLL_COUNT} polls", flush=True)
        started = time.perf_counter()
        polls = load_polls(args.dynamodb_url, rng, users["names"])
        timings["polls_s"] = time.perf_counter() - started

    manifest = {
        "password": BENCH_PASSWORD,
        "users": args.users,
        "actors": users["names"][-ACTOR_COUNT:],
        "followee_accounts": {str(k): name for k, name in users["special"].items()},
        "follows": users["follows"],
        "top_followers": users["top_followers"],
        "posts": args.posts,
        **posts,
        "likes": likes,
        "polls": polls,
        "load_seconds": {key: round(value, 1) for key, value in timings.items()},
    }
    args.manifest.write_text(json.dumps(manifest, indent=1) + "\n")
    total = sum(timings.values())
    print(f"data loaded in {total:.1f} s: " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
