-- Posts and reposts. Authors are usernames as the users service spells them;
-- usernames never change, so they are a stable key across services.

CREATE TABLE posts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username text NOT NULL,
    text text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    -- A repost copies the original's text; deleting the original deletes it.
    original_post_id bigint REFERENCES posts (id) ON DELETE CASCADE
);

-- Newest-first pages of all posts and of one author's posts.
CREATE INDEX posts_page ON posts (created_at DESC, id DESC);
CREATE INDEX posts_author_page ON posts (username, created_at DESC, id DESC);

-- One repost of a given post per user; also serves the cascade on delete.
CREATE UNIQUE INDEX posts_one_repost_per_user
    ON posts (original_post_id, username)
    WHERE original_post_id IS NOT NULL;
