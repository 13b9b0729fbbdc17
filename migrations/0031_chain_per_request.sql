-- The hash chain of migration 0026, one chain per request (issue 17 §2 and §3).
--
-- Why: 0026 chained every event of the desk under one advisory lock, so every claim and every
-- intake in the whole desk waited for whichever transaction had last written an event, until it
-- committed. A request's history is what an authority asks about (the case file carries its
-- request's chain), so each request's events now form their own chain: places 1, 2, 3 per request,
-- and writers to different requests never wait for each other.
--
-- Why the details are hashed apart (for §3, the desk's own retention): an event's content hash now
-- covers the SHA-256 of its `details` (details_sha256, computed here at insert), not the details'
-- text. When a closed request's personal data is anonymised (migration 0032) its events' details
-- give way to a skeleton and `anonymised_at` is set; the kept details_sha256 still fixes what was
-- there, so the link verifies, while details changed on an event not anonymised no longer match
-- their hash and `audit verify` names it.

ALTER TABLE request_events
    ADD COLUMN details_sha256 bytea,     -- SHA-256 of the details' jsonb text as written
    ADD COLUMN anonymised_at timestamptz; -- set only by the retention (0032); never at insert

-- Each request's head: its last place and hash. It serves twice:
-- 1. it is the lock that serialises the writers of one request (below), and
-- 2. it tells a request's history cut short at its end (its last events removed, or all of them)
--    from one that simply ended: `audit verify` checks each request's last event against it.
-- It lives in its own table, not on the requests row, because any update of a request bumps its
-- version (the optimistic concurrency every change carries) and tells the desks it changed.
CREATE TABLE request_chain_heads (
    request_id bigint PRIMARY KEY REFERENCES requests (id),
    chain_seq  bigint NOT NULL,
    event_id   bigint,
    sha256     bytea NOT NULL
);

-- The content that is hashed: every column as finally stored, the details by their hash; times
-- in UTC to the microsecond, jsonb's own text form (keys in a fixed order). claimed_actor (0019)
-- is covered now too.
CREATE OR REPLACE FUNCTION dsrdesk_event_content(e request_events) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT convert_to(jsonb_build_object(
        'id', e.id,
        'request_id', e.request_id,
        'recorded_at', to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'effective_at', to_char(e.effective_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'actor', e.actor,
        'actor_client', e.actor_client,
        'claimed_actor', e.claimed_actor,
        'db_role', e.db_role,
        'action', e.action,
        'details_sha256', encode(e.details_sha256, 'hex'),
        'txid', e.txid)::text, 'UTF8')
$$;

CREATE FUNCTION dsrdesk_details_sha256(details jsonb) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT sha256(convert_to(details::text, 'UTF8')) $$;

-- The history so far, re-hashed per request in id order, in one statement. Every trigger is off
-- for this one update, inside this migration's transaction.
DROP INDEX request_events_chain;
ALTER TABLE request_events DISABLE TRIGGER USER;
UPDATE request_events SET details_sha256 = dsrdesk_details_sha256(details);
UPDATE request_events e
SET chain_seq = c.seq, content_sha256 = c.content, sha256 = c.link,
    prev_sha256 = coalesce(c.previous, dsrdesk_chain_genesis())
FROM (
    SELECT id, seq, content, link, lag(link) OVER (PARTITION BY request_id ORDER BY seq) AS previous
    FROM (
        SELECT id, request_id, seq, content,
               dsrdesk_chain(content) OVER (PARTITION BY request_id ORDER BY seq) AS link
        FROM (
            SELECT ev.id, ev.request_id,
                   row_number() OVER (PARTITION BY ev.request_id ORDER BY ev.id) AS seq,
                   sha256(dsrdesk_event_content(ev)) AS content
            FROM request_events ev
        ) hashed
    ) linked
) c
WHERE e.id = c.id;
ALTER TABLE request_events ENABLE TRIGGER USER;
ALTER TABLE request_events ALTER COLUMN details_sha256 SET NOT NULL;
-- One event per place of a request: two writers can never both append after the same event.
CREATE UNIQUE INDEX request_events_chain ON request_events (request_id, chain_seq) INCLUDE (sha256);

INSERT INTO request_chain_heads (request_id, chain_seq, event_id, sha256)
SELECT DISTINCT ON (request_id) request_id, chain_seq, id, sha256
FROM request_events ORDER BY request_id, chain_seq DESC;

-- Appending. The writers of one request are serialised by the request's head row, which each
-- writer locks (SELECT ... FOR UPDATE) and moves on before its event is stored; the lock is held
-- until the writer commits or rolls back. Why this is right under READ COMMITTED with concurrent
-- writers to the same request:
-- - a second writer blocks on the row lock; when the first commits, PostgreSQL re-reads the
--   locked row's newest committed version (it follows the update chain, whatever the statement's
--   snapshot), so the second writer sees the first one's event as its predecessor; when the first
--   rolls back, the second sees the head as it was, and the rolled-back event leaves no gap;
-- - a request's first event: the head row is created with ON CONFLICT DO NOTHING, which waits for
--   a concurrent uncommitted creator and then does nothing (or creates it, if that one rolled back);
-- - earlier rows of the same INSERT and earlier statements of the same transaction moved the head
--   already (a row-level BEFORE trigger sees them), so a batch chains row by row.
-- Under REPEATABLE READ a head moved by a writer that committed meanwhile makes the lock fail with
-- a serialisation error (retry), never a fork; and the unique index forbids a fork in any case.
-- Writers to different requests lock different rows and never wait for each other. A row lock,
-- not an advisory lock keyed by request_id: the row is exact (no hash collisions, no key space
-- shared with the desk's other advisory locks), it exists for every request, and it touches
-- neither the requests row (the queue's FOR UPDATE SKIP LOCKED, the version) nor its key locks.
-- SECURITY DEFINER (owner's rights, fixed search_path): the desk's roles append events but get
-- no right on request_chain_heads, so no login but the owner can move a head by hand.
CREATE OR REPLACE FUNCTION request_events_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_catalog AS $$
DECLARE
    last_seq bigint;
    last_hash bytea;
BEGIN
    INSERT INTO request_chain_heads (request_id, chain_seq, event_id, sha256)
    VALUES (NEW.request_id, 0, NULL, dsrdesk_chain_genesis())
    ON CONFLICT (request_id) DO NOTHING;
    SELECT chain_seq, sha256 INTO last_seq, last_hash
    FROM request_chain_heads WHERE request_id = NEW.request_id FOR UPDATE;
    NEW.anonymised_at := NULL;
    NEW.details_sha256 := dsrdesk_details_sha256(NEW.details);
    NEW.chain_seq := last_seq + 1;
    NEW.prev_sha256 := last_hash;
    NEW.content_sha256 := sha256(dsrdesk_event_content(NEW));
    NEW.sha256 := dsrdesk_chain_step(NEW.prev_sha256, NEW.content_sha256);
    UPDATE request_chain_heads SET chain_seq = NEW.chain_seq, event_id = NEW.id, sha256 = NEW.sha256
    WHERE request_id = NEW.request_id;
    RETURN NEW;
END $$;

-- The walk `dsrdesk audit verify` does, one row per event that fails a check, in (request, place)
-- order. Checks per request: the places run 1, 2, 3 without a gap; each event's content still has
-- its hash; its details still have theirs, unless anonymised (§3: the hash stays, the text goes);
-- each names the previous event's hash (genesis for the first); each link is the hash of the two;
-- and the request's last event is the head on record (a history cut short at its end, or removed
-- whole, shows here: tail_ok false, on the last event left or with no event at all).
DROP FUNCTION dsrdesk_chain_breaks();
CREATE FUNCTION dsrdesk_chain_breaks() RETURNS TABLE (
    request_id bigint, chain_seq bigint, event_id bigint,
    place_ok boolean, content_ok boolean, details_ok boolean, link_ok boolean, hash_ok boolean,
    tail_ok boolean)
LANGUAGE sql STABLE AS $$
    SELECT * FROM (
        SELECT e.request_id, e.chain_seq, e.id,
               e.chain_seq = coalesce(lag(e.chain_seq) OVER w, 0) + 1,
               e.content_sha256 = sha256(dsrdesk_event_content(e)),
               e.anonymised_at IS NOT NULL OR e.details_sha256 = dsrdesk_details_sha256(e.details),
               e.prev_sha256 = coalesce(lag(e.sha256) OVER w, dsrdesk_chain_genesis()),
               e.sha256 = dsrdesk_chain_step(e.prev_sha256, e.content_sha256),
               lead(e.id) OVER w IS NOT NULL
                   OR (h.chain_seq = e.chain_seq AND h.event_id = e.id AND h.sha256 = e.sha256)
                   IS TRUE
        FROM request_events e
        LEFT JOIN request_chain_heads h ON h.request_id = e.request_id
        WINDOW w AS (PARTITION BY e.request_id ORDER BY e.chain_seq)
        UNION ALL
        -- A request (or a head) with no event left at all.
        SELECT coalesce(r.id, h.request_id), h.chain_seq, NULL, true, true, true, true, true, false
        FROM requests r
        FULL JOIN request_chain_heads h ON h.request_id = r.id
        WHERE NOT EXISTS (SELECT 1 FROM request_events x WHERE x.request_id = coalesce(r.id, h.request_id))
    ) walk (request_id, chain_seq, event_id, place_ok, content_ok, details_ok, link_ok, hash_ok, tail_ok)
    WHERE NOT (place_ok AND content_ok AND details_ok AND link_ok AND hash_ok AND tail_ok)
    ORDER BY request_id, chain_seq
$$;
