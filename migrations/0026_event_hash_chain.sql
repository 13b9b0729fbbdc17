-- Tamper evidence for the event history (issue 17 §2): each event carries the SHA-256 of its
-- content and of the event before it, computed here at insert, so that an event changed or removed
-- afterwards (by someone who can switch the append-only trigger off: the schema's owner) breaks the
-- chain at that event. `dsrdesk audit verify` walks it; the head hash, written down outside the
-- database (the case file carries it), also shows a history cut short at its end.

ALTER TABLE request_events
    ADD COLUMN chain_seq bigint,        -- the event's place in the chain: 1, 2, 3, ...
    ADD COLUMN content_sha256 bytea,    -- SHA-256 of dsrdesk_event_content(event)
    ADD COLUMN prev_sha256 bytea,       -- the previous event's sha256 (32 zero bytes for the first)
    ADD COLUMN sha256 bytea;            -- SHA-256 of prev_sha256 || content_sha256

-- The content that is hashed: every column as finally stored (the BEFORE triggers that set
-- db_role, recorded_at, txid and the actor have run), in a text form that does not depend on the
-- session: jsonb's own text form (keys in a fixed order) and times in UTC to the microsecond.
CREATE FUNCTION dsrdesk_event_content(e request_events) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT convert_to(jsonb_build_object(
        'id', e.id,
        'request_id', e.request_id,
        'recorded_at', to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'effective_at', to_char(e.effective_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'actor', e.actor,
        'actor_client', e.actor_client,
        'db_role', e.db_role,
        'action', e.action,
        'details', e.details,
        'txid', e.txid)::text, 'UTF8')
$$;

CREATE FUNCTION dsrdesk_chain_genesis() RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT decode(repeat('00', 32), 'hex') $$;

-- One link: the hash of the previous link and the content. As an aggregate it folds a whole
-- history in one pass (below, and what `audit verify` could use to recompute the head).
CREATE FUNCTION dsrdesk_chain_step(previous bytea, content bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT sha256(previous || content) $$;
CREATE AGGREGATE dsrdesk_chain(bytea) (
    SFUNC = dsrdesk_chain_step,
    STYPE = bytea,
    INITCOND = '\x0000000000000000000000000000000000000000000000000000000000000000'
);

-- The history so far, in id order, hashed in one statement. The append-only trigger (and any
-- other) is off for this one update, inside this migration's transaction.
ALTER TABLE request_events DISABLE TRIGGER USER;
UPDATE request_events e
SET chain_seq = c.seq, content_sha256 = c.content, sha256 = c.link,
    prev_sha256 = coalesce(c.previous, dsrdesk_chain_genesis())
FROM (
    SELECT id, seq, content, link, lag(link) OVER (ORDER BY seq) AS previous
    FROM (
        SELECT id, seq, content, dsrdesk_chain(content) OVER (ORDER BY seq) AS link
        FROM (
            SELECT ev.id, row_number() OVER (ORDER BY ev.id) AS seq,
                   sha256(dsrdesk_event_content(ev)) AS content
            FROM request_events ev
        ) hashed
    ) linked
) c
WHERE e.id = c.id;
ALTER TABLE request_events ENABLE TRIGGER USER;

ALTER TABLE request_events
    ALTER COLUMN chain_seq SET NOT NULL,
    ALTER COLUMN content_sha256 SET NOT NULL,
    ALTER COLUMN prev_sha256 SET NOT NULL,
    ALTER COLUMN sha256 SET NOT NULL;
-- One event per place: two writers can never both append after the same event (a fork).
CREATE UNIQUE INDEX request_events_chain ON request_events (chain_seq) INCLUDE (sha256);

-- Appending: one writer at a time, from the first event a transaction writes until it commits
-- (a transaction-scoped advisory lock), so the event before is always a committed one or this
-- transaction's own, and a rolled-back transaction leaves no gap. Earlier rows of the same INSERT
-- are visible here (row-level BEFORE trigger), so a batch chains row by row. In READ COMMITTED
-- the SELECT after the lock sees what the previous holder committed.
CREATE FUNCTION request_events_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_seq bigint;
    last_hash bytea;
BEGIN
    PERFORM pg_advisory_xact_lock(724119017);
    SELECT chain_seq, sha256 INTO last_seq, last_hash
    FROM request_events ORDER BY chain_seq DESC LIMIT 1;
    NEW.chain_seq := coalesce(last_seq, 0) + 1;
    NEW.prev_sha256 := coalesce(last_hash, dsrdesk_chain_genesis());
    NEW.content_sha256 := sha256(dsrdesk_event_content(NEW));
    NEW.sha256 := dsrdesk_chain_step(NEW.prev_sha256, NEW.content_sha256);
    RETURN NEW;
END $$;
-- BEFORE triggers fire in name order: "zz_" puts this one after every request_events_* trigger
-- (the stamp of migration 0018 and any that derive the actor), so it hashes the final values.
CREATE TRIGGER zz_request_events_chain
    BEFORE INSERT ON request_events
    FOR EACH ROW EXECUTE FUNCTION request_events_chain();

-- The walk `dsrdesk audit verify` does, one row per event that fails a check, in chain order.
-- Checks: the places run 1, 2, 3 without a gap; each event's content still has its hash; each
-- names the previous event's hash; each link is the hash of the two.
CREATE FUNCTION dsrdesk_chain_breaks() RETURNS TABLE (
    chain_seq bigint, event_id bigint, request_id bigint,
    place_ok boolean, content_ok boolean, link_ok boolean, hash_ok boolean)
LANGUAGE sql STABLE AS $$
    SELECT * FROM (
        SELECT e.chain_seq, e.id, e.request_id,
               e.chain_seq = coalesce(lag(e.chain_seq) OVER w, 0) + 1,
               e.content_sha256 = sha256(dsrdesk_event_content(e)),
               e.prev_sha256 = coalesce(lag(e.sha256) OVER w, dsrdesk_chain_genesis()),
               e.sha256 = dsrdesk_chain_step(e.prev_sha256, e.content_sha256)
        FROM request_events e
        WINDOW w AS (ORDER BY e.chain_seq)
    ) walk (chain_seq, event_id, request_id, place_ok, content_ok, link_ok, hash_ok)
    WHERE NOT (place_ok AND content_ok AND link_ok AND hash_ok)
    ORDER BY chain_seq
$$;
