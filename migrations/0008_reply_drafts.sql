-- Drafts of replies, saved as the DPO types so that a dropped SSH session loses nothing.
-- One per request and operator; working state, not history: sending a reply queues it in the
-- outbox (with its event) and deletes the draft in the same transaction.
CREATE TABLE reply_drafts (
    request_id  bigint NOT NULL REFERENCES requests (id),
    author      text NOT NULL,
    purpose     text NOT NULL,
    language    text NOT NULL CHECK (language IN ('sv', 'fi', 'en')),
    detail      text,
    subject     text NOT NULL,
    body        text NOT NULL,
    attach      text CHECK (attach IN ('access', 'portability')),
    encrypt     boolean NOT NULL DEFAULT false,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (request_id, author)
);
