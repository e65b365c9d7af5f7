"""DynamoDB reads and writes for polls and votes; handlers never build expressions.

The tables, defined in infra/dynamodb/tables.json (key attributes first):
  polls       owner_key, poll_id; username, question, options, votes_1 to votes_N,
              created_at_ms, and expires_at_ms unless the poll never closes
  poll_votes  poll_id, voter_key; voter, option, voted_at_ms, and owner_key,
              the poll owner's key, on votes recorded since votes store it
  counters    name; value, the last number handed out
owner_key and voter_key are lowercased usernames, because usernames are unique
whatever their case. Times are milliseconds since the Unix epoch. Every
expression names attributes through ExpressionAttributeNames, so attribute
names that are DynamoDB reserved words (name, value, options) are safe.
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from infra.dynamodb.create_tables import DynamoDBSettings, connect
from services.common.pagination import EPOCH

log = logging.getLogger(__name__)

Row = dict[str, Any]

POLL_ID_COUNTER = "poll_id"
# BatchWriteItem accepts at most 25 requests.
BATCH_SIZE = 25
# Bounds for deleting a poll's votes: a Query page holds up to 1 MB of keys,
# and unprocessed deletes are resent a few times with a growing delay.
MAX_VOTE_PAGES = 1000
MAX_BATCH_RETRIES = 5

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


@dataclass(frozen=True)
class Store:
    """A DynamoDB client and the names of the polls service's tables."""

    client: Any
    polls_table: str
    votes_table: str
    counters_table: str

    @classmethod
    def connect(cls, settings: DynamoDBSettings) -> "Store":
        """Build a client for the configured endpoint and name the prefixed tables."""
        prefix = settings.table_prefix
        # The names after the prefix are those of infra/dynamodb/tables.json.
        return cls(
            client=connect(settings),
            polls_table=f"{prefix}polls",
            votes_table=f"{prefix}poll_votes",
            counters_table=f"{prefix}counters",
        )


def now_ms() -> int:
    """Return the current time in milliseconds since the Unix epoch."""
    return time.time_ns() // 1_000_000


def to_datetime(milliseconds: int) -> datetime:
    """Return a time stored as milliseconds since the Unix epoch as a UTC datetime."""
    return EPOCH + timedelta(milliseconds=milliseconds)


def is_closed(poll: Row, at_ms: int) -> bool:
    """Return True when the poll takes no more votes at at_ms.

    This is the rule of the condition in record_vote: open while expires_at_ms > now.
    """
    return poll["expires_at_ms"] is not None and poll["expires_at_ms"] <= at_ms


def next_poll_id(store: Store) -> int:
    """Allocate a poll id.

    ADD on one counter item is atomic, so concurrent requests never get the same id.
    """
    response = store.client.update_item(
        TableName=store.counters_table,
        Key={"name": {"S": POLL_ID_COUNTER}},
        UpdateExpression="ADD #value :one",
        ExpressionAttributeNames={"#value": "value"},
        ExpressionAttributeValues={":one": {"N": "1"}},
        ReturnValues="UPDATED_NEW",
    )
    return int(response["Attributes"]["value"]["N"])


def insert_poll(
    store: Store,
    *,
    poll_id: int,
    username: str,
    question: str,
    options: list[str],
    created_at_ms: int,
    expires_at_ms: int | None,
) -> Row:
    """Store a new poll with no votes and return it.

    Raises ClientError (ConditionalCheckFailedException) if the id is taken,
    which happens only when the counter was reset while polls remained.
    """
    item: Row = {
        "owner_key": username.lower(),
        "poll_id": poll_id,
        "username": username,
        "question": question,
        "options": options,
        "created_at_ms": created_at_ms,
    }
    for number in range(1, len(options) + 1):
        item[_tally(number)] = 0
    if expires_at_ms is not None:
        item["expires_at_ms"] = expires_at_ms

    store.client.put_item(
        TableName=store.polls_table,
        Item=_serialize(item),
        ConditionExpression="attribute_not_exists(#poll_id)",
        ExpressionAttributeNames={"#poll_id": "poll_id"},
    )
    return _poll_row(item)


def find_poll(store: Store, owner: str, poll_id: int) -> Row | None:
    """Return the poll with this id made by owner, whatever the letter case of owner."""
    response = store.client.get_item(
        TableName=store.polls_table,
        Key=_poll_key(owner, poll_id),
        ConsistentRead=True,
    )
    item = response.get("Item")
    return _poll_row(_deserialize(item)) if item else None


def find_vote(store: Store, poll_id: int, voter: str) -> Row | None:
    """Return the vote of voter in this poll, whatever the letter case of voter."""
    response = store.client.get_item(
        TableName=store.votes_table,
        Key=_vote_key(poll_id, voter),
        ConsistentRead=True,
    )
    item = response.get("Item")
    if not item:
        return None

    vote = _deserialize(item)
    return {
        "poll_id": int(vote["poll_id"]),
        "voter": vote["voter"],
        "option": int(vote["option"]),
        "voted_at_ms": int(vote["voted_at_ms"]),
    }


def record_vote(
    store: Store, *, owner: str, poll_id: int, voter: str, option: int, at_ms: int
) -> bool:
    """Store a vote and count it in one transaction, or return False if DynamoDB cancelled it.

    The transaction writes nothing unless the voter has no vote in the poll, and
    the poll exists, has this option and is open at at_ms. DynamoDB also cancels
    it when a concurrent transaction touches the same items. Not every emulator
    returns the cancellation reasons, so False alone does not tell which rule failed.
    """
    # owner_key lets an account deletion find the poll of each of the voter's votes.
    vote = {"voter": voter, "option": option, "voted_at_ms": at_ms, "owner_key": owner.lower()}
    try:
        store.client.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": store.votes_table,
                        "Item": {**_vote_key(poll_id, voter), **_serialize(vote)},
                        "ConditionExpression": "attribute_not_exists(#voter_key)",
                        "ExpressionAttributeNames": {"#voter_key": "voter_key"},
                    }
                },
                {
                    "Update": {
                        "TableName": store.polls_table,
                        "Key": _poll_key(owner, poll_id),
                        "UpdateExpression": "ADD #tally :one",
                        "ConditionExpression": (
                            "attribute_exists(#poll_id) AND attribute_exists(#tally) "
                            "AND (attribute_not_exists(#expires_at) OR #expires_at > :now)"
                        ),
                        "ExpressionAttributeNames": {
                            "#poll_id": "poll_id",
                            "#tally": _tally(option),
                            "#expires_at": "expires_at_ms",
                        },
                        "ExpressionAttributeValues": {
                            ":one": {"N": "1"},
                            ":now": {"N": str(at_ms)},
                        },
                    }
                },
            ]
        )
    except ClientError as error:
        if _error_code(error) == "TransactionCanceledException":
            return False
        raise
    return True


def delete_poll(store: Store, owner: str, poll_id: int) -> bool:
    """Delete a poll, or return False when owner has no poll with this id.

    Call delete_votes afterwards. Once the poll is gone, record_vote cannot add a vote.
    """
    try:
        store.client.delete_item(
            TableName=store.polls_table,
            Key=_poll_key(owner, poll_id),
            ConditionExpression="attribute_exists(#poll_id)",
            ExpressionAttributeNames={"#poll_id": "poll_id"},
        )
    except ClientError as error:
        if _error_code(error) == "ConditionalCheckFailedException":
            return False
        raise
    return True


def delete_votes(store: Store, poll_id: int) -> int:
    """Delete every vote of a poll and return how many were deleted.

    Votes that DynamoDB still leaves unprocessed after the retries are logged
    and stay behind. No poll can reuse the id, so they are never counted again.
    """
    query: Row = {
        "TableName": store.votes_table,
        "KeyConditionExpression": "#poll_id = :poll_id",
        "ProjectionExpression": "#poll_id, #voter_key",
        "ExpressionAttributeNames": {"#poll_id": "poll_id", "#voter_key": "voter_key"},
        "ExpressionAttributeValues": {":poll_id": {"N": str(poll_id)}},
        "ConsistentRead": True,
    }
    deleted = 0
    for _ in range(MAX_VOTE_PAGES):
        response = store.client.query(**query)
        keys = response["Items"]
        for start in range(0, len(keys), BATCH_SIZE):
            deleted += _delete_vote_batch(store, poll_id, keys[start : start + BATCH_SIZE])

        if "LastEvaluatedKey" not in response:
            return deleted
        query["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    log.warning(
        "poll %s has more than %s pages of votes, some were not deleted", poll_id, MAX_VOTE_PAGES
    )
    return deleted


def owner_poll_ids(store: Store, owner: str) -> list[int]:
    """Return the ids of every poll made by owner, whatever the letter case of owner."""
    query: Row = {
        "TableName": store.polls_table,
        "KeyConditionExpression": "#owner_key = :owner_key",
        "ProjectionExpression": "#poll_id",
        "ExpressionAttributeNames": {"#owner_key": "owner_key", "#poll_id": "poll_id"},
        "ExpressionAttributeValues": {":owner_key": {"S": owner.lower()}},
        "ConsistentRead": True,
    }
    poll_ids: list[int] = []
    for _ in range(MAX_VOTE_PAGES):
        response = store.client.query(**query)
        poll_ids.extend(int(item["poll_id"]["N"]) for item in response["Items"])
        if "LastEvaluatedKey" not in response:
            return poll_ids
        query["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    log.warning("user %s has more than %s pages of polls, some were left", owner, MAX_VOTE_PAGES)
    return poll_ids


def voter_votes(store: Store, voter: str) -> list[Row]:
    """Return every vote of voter in any poll, as dicts of poll_id, option and owner_key.

    owner_key is None for votes stored before votes recorded their poll's owner.

    NOTE: poll_votes has no index by voter, so this scans the whole table;
    a global secondary index on voter_key would turn it into a query.
    """
    scan: Row = {
        "TableName": store.votes_table,
        "FilterExpression": "#voter_key = :voter_key",
        "ProjectionExpression": "#poll_id, #option, #owner_key",
        "ExpressionAttributeNames": {
            "#voter_key": "voter_key",
            "#poll_id": "poll_id",
            "#option": "option",
            "#owner_key": "owner_key",
        },
        "ExpressionAttributeValues": {":voter_key": {"S": voter.lower()}},
        "ConsistentRead": True,
    }
    votes: list[Row] = []
    for _ in range(MAX_VOTE_PAGES):
        response = store.client.scan(**scan)
        votes.extend(
            {
                "poll_id": int(item["poll_id"]["N"]),
                "option": int(item["option"]["N"]),
                "owner_key": item.get("owner_key", {}).get("S"),
            }
            for item in response["Items"]
        )
        if "LastEvaluatedKey" not in response:
            return votes
        scan["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    log.warning("scanning votes of %s stopped after %s pages", voter, MAX_VOTE_PAGES)
    return votes


def find_poll_owner(store: Store, poll_id: int) -> str | None:
    """Return the owner_key of the poll with this id, or None when there is none.

    Poll ids are unique across owners, but the polls table is keyed by owner
    first, so this scans it.
    """
    scan: Row = {
        "TableName": store.polls_table,
        "FilterExpression": "#poll_id = :poll_id",
        "ProjectionExpression": "#owner_key",
        "ExpressionAttributeNames": {"#poll_id": "poll_id", "#owner_key": "owner_key"},
        "ExpressionAttributeValues": {":poll_id": {"N": str(poll_id)}},
        "ConsistentRead": True,
    }
    for _ in range(MAX_VOTE_PAGES):
        response = store.client.scan(**scan)
        if response["Items"]:
            return response["Items"][0]["owner_key"]["S"]
        if "LastEvaluatedKey" not in response:
            return None
        scan["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    return None


def withdraw_vote(store: Store, *, owner: str, poll_id: int, voter: str, option: int) -> bool:
    """Delete a vote and take it off its poll's tally in one transaction.

    Returns False when DynamoDB cancelled it: the vote is already gone, or the
    poll is gone (delete the vote alone then), or a concurrent transaction
    touched the same items.
    """
    try:
        store.client.transact_write_items(
            TransactItems=[
                {
                    "Delete": {
                        "TableName": store.votes_table,
                        "Key": _vote_key(poll_id, voter),
                        "ConditionExpression": "attribute_exists(#voter_key)",
                        "ExpressionAttributeNames": {"#voter_key": "voter_key"},
                    }
                },
                {
                    "Update": {
                        "TableName": store.polls_table,
                        "Key": _poll_key(owner, poll_id),
                        "UpdateExpression": "ADD #tally :minus_one",
                        "ConditionExpression": "attribute_exists(#poll_id)",
                        "ExpressionAttributeNames": {
                            "#poll_id": "poll_id",
                            "#tally": _tally(option),
                        },
                        "ExpressionAttributeValues": {":minus_one": {"N": "-1"}},
                    }
                },
            ]
        )
    except ClientError as error:
        if _error_code(error) == "TransactionCanceledException":
            return False
        raise
    return True


def delete_vote(store: Store, poll_id: int, voter: str) -> None:
    """Delete a vote without touching any tally, for a vote whose poll is gone."""
    store.client.delete_item(TableName=store.votes_table, Key=_vote_key(poll_id, voter))


def dynamodb_responds(store: Store) -> bool:
    """Return True when DynamoDB describes the polls table."""
    try:
        store.client.describe_table(TableName=store.polls_table)
        return True
    except Exception as error:  # noqa: BLE001 - any failure means unhealthy
        log.warning("health check failed: %s", error)
        return False


def _delete_vote_batch(store: Store, poll_id: int, keys: list[Row]) -> int:
    requests = [{"DeleteRequest": {"Key": key}} for key in keys]
    for attempt in range(MAX_BATCH_RETRIES + 1):
        response = store.client.batch_write_item(RequestItems={store.votes_table: requests})
        requests = response.get("UnprocessedItems", {}).get(store.votes_table, [])
        if not requests:
            return len(keys)
        if attempt < MAX_BATCH_RETRIES:
            time.sleep(0.05 * 2**attempt)

    log.warning(
        "%s votes of deleted poll %s stayed unprocessed after %s retries",
        len(requests),
        poll_id,
        MAX_BATCH_RETRIES,
    )
    return len(keys) - len(requests)


def _poll_key(owner: str, poll_id: int) -> Row:
    return {"owner_key": {"S": owner.lower()}, "poll_id": {"N": str(poll_id)}}


def _vote_key(poll_id: int, voter: str) -> Row:
    return {"poll_id": {"N": str(poll_id)}, "voter_key": {"S": voter.lower()}}


def _tally(option: int) -> str:
    """Name the attribute that counts the votes for an option, numbered from 1."""
    return f"votes_{option}"


def _poll_row(item: Row) -> Row:
    options = list(item["options"])
    expires_at_ms = item.get("expires_at_ms")
    return {
        "poll_id": int(item["poll_id"]),
        "username": item["username"],
        "question": item["question"],
        "options": options,
        "votes": [int(item[_tally(number)]) for number in range(1, len(options) + 1)],
        "created_at_ms": int(item["created_at_ms"]),
        "expires_at_ms": int(expires_at_ms) if expires_at_ms is not None else None,
    }


def _serialize(item: Row) -> Row:
    return {name: _serializer.serialize(value) for name, value in item.items()}


def _deserialize(item: Row) -> Row:
    return {name: _deserializer.deserialize(value) for name, value in item.items()}


def _error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")
