-- Failed logins per username, for throttling password guessing. Rows older
-- than the throttling window no longer count and are deleted as new ones
-- come in. Usernames are stored lowercased and need not exist, so guesses at
-- unknown names are throttled too.

CREATE TABLE login_failures (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username_key text NOT NULL,
    failed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX login_failures_by_username ON login_failures (username_key, failed_at);
CREATE INDEX login_failures_by_age ON login_failures (failed_at);
