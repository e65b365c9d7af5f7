-- Accounts and the follow graph.

CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username text NOT NULL CHECK (username ~ '^[A-Za-z0-9_]{1,30}$'),
    email text NOT NULL,
    password_hash text NOT NULL,
    bio text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Usernames and emails are unique whatever their letter case.
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE follows (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    follower_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    following_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT follows_pair_key UNIQUE (follower_id, following_id),
    CONSTRAINT follows_not_self CHECK (follower_id <> following_id)
);

-- Newest-first pages of a user's followers and of the accounts they follow.
CREATE INDEX follows_followers_page ON follows (following_id, created_at DESC, id DESC);
CREATE INDEX follows_following_page ON follows (follower_id, created_at DESC, id DESC);
