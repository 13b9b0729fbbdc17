-- Every outbound mail as sent (issue 17 §2): the exact bytes handed to the SMTP server, stored
-- for each attempt before its SMTP transaction starts, so the case file's .eml is what the subject
-- received (the MIME boundaries are random: the message cannot be rebuilt byte for byte later).
-- The message sent is the last attempt's; an uncertain one has its bytes on record too.
-- Append-only, like the outbox itself.
CREATE TABLE outbox_raw_messages (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    outbox_id  bigint NOT NULL REFERENCES outbox (id),
    attempt    integer NOT NULL CHECK (attempt >= 0),
    raw        bytea NOT NULL,
    -- Hex SHA-256 of `raw`, checked here so the stored digest is always the bytes'.
    sha256     text NOT NULL,
    written_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sha256_is_of_raw CHECK (sha256 = encode(sha256(raw), 'hex'))
);
CREATE INDEX outbox_raw_messages_by_message ON outbox_raw_messages (outbox_id, id);
CREATE TRIGGER outbox_raw_messages_append_only BEFORE UPDATE OR DELETE ON outbox_raw_messages
    FOR EACH ROW EXECUTE FUNCTION outbox_refuse_change();
CREATE TRIGGER outbox_raw_messages_no_truncate BEFORE TRUNCATE ON outbox_raw_messages
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_refuse_change();
