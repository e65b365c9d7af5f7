-- Async posts: each job of tube `timeline` creates at most one post, and each
-- Idempotency-Key of a user puts at most one job.

-- One row per job whose post was inserted. It has no foreign key, so the
-- row outlives a deleted post, and a job delivered again after its post was
-- deleted does not bring the post back.
CREATE TABLE post_jobs (
    job_id uuid PRIMARY KEY,
    post_id bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The job put for each (username, Idempotency-Key) pair.
CREATE TABLE async_post_requests (
    username text NOT NULL,
    idempotency_key text NOT NULL,
    job_id uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (username, idempotency_key)
);
