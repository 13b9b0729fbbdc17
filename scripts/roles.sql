-- dsrdesk's database roles: each front end works with only the rights it needs.
--
--   dsrdesk_operator  the desk and the CLI of a DPO: intake, claims, status changes, verification
--                     (only through dsrdesk_record_verification), linking, erasure and
--                     rectification in the ledger, replies, exports
--   dsrdesk_auditor   SELECT only: `dsrdesk --read-only`, `list`, `show`, `overview`
--   dsrdesk_worker    the erasure worker and the outbox sender (`dsrdesk worker`, `outbox send`)
--
-- The owner of the schema (the role that ran the migrations, `dsrdesk db migrate`) is the only
-- role that changes the schema. No role here may UPDATE, DELETE or TRUNCATE the append-only
-- evidence (request_events, request_verifications, subject_actions, outbox_attachments), delete a
-- queued reply (outbox) or a recipient task: the grants refuse it before the triggers would.
--
-- Run it as the owner, connected to the dsrdesk database, once and again after every upgrade
-- (it is idempotent, and grants table by table, so a new table gets no rights until it is listed):
--
--   psql "postgres://owner@db.internal/dsrdesk?sslmode=verify-full" -v ON_ERROR_STOP=1 -f scripts/roles.sql
--
-- The three are group roles without login. Each person logs in as themselves, a member of one,
-- so the history's db_role column names who it was:
--
--   CREATE ROLE anna LOGIN IN ROLE dsrdesk_operator;      -- password or certificate: see README
--   CREATE ROLE revisor LOGIN IN ROLE dsrdesk_auditor;
--   CREATE ROLE dsrdesk_mailer LOGIN IN ROLE dsrdesk_worker;

-- Roles are cluster-wide: create each once, whichever database runs this first (concurrent runs
-- are serialised by the lock).
DO $$
DECLARE
    name text;
BEGIN
    PERFORM pg_advisory_xact_lock(724119003);
    FOREACH name IN ARRAY ARRAY['dsrdesk_operator', 'dsrdesk_auditor', 'dsrdesk_worker'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = name) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', name);
        END IF;
    END LOOP;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO dsrdesk_operator, dsrdesk_auditor, dsrdesk_worker',
                   current_database());
END $$;

-- Start from nothing, so that re-running after a change of this file takes rights away too.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM dsrdesk_operator, dsrdesk_auditor, dsrdesk_worker;
REVOKE ALL ON ALL TABLES IN SCHEMA ledger FROM dsrdesk_operator, dsrdesk_auditor, dsrdesk_worker;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM dsrdesk_operator, dsrdesk_auditor, dsrdesk_worker;
GRANT USAGE ON SCHEMA public, ledger TO dsrdesk_operator, dsrdesk_auditor, dsrdesk_worker;

-- Everyone may see whether the schema is up to date (a non-owner never migrates).
GRANT SELECT ON _sqlx_migrations TO dsrdesk_operator, dsrdesk_auditor, dsrdesk_worker;

-- The auditor: everything readable, nothing writable.
GRANT SELECT ON ALL TABLES IN SCHEMA public TO dsrdesk_auditor;
GRANT SELECT ON ALL TABLES IN SCHEMA ledger TO dsrdesk_auditor;

-- The operator.
GRANT SELECT ON ALL TABLES IN SCHEMA public TO dsrdesk_operator;
GRANT SELECT ON ALL TABLES IN SCHEMA ledger TO dsrdesk_operator;
-- Every column of a request but identity_verified_at, which only dsrdesk_record_verification()
-- writes (migration 0019). Read from the table, so re-running after an upgrade grants a column
-- added since; only that one is left out.
DO $$
DECLARE
    columns text;
BEGIN
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO columns
      FROM pg_attribute
     WHERE attrelid = 'public.requests'::regclass AND attnum > 0 AND NOT attisdropped
       AND attname <> 'identity_verified_at';
    EXECUTE format('GRANT INSERT (%s), UPDATE (%s) ON requests TO dsrdesk_operator', columns, columns);
END $$;
GRANT INSERT, UPDATE ON reference_counters TO dsrdesk_operator;
GRANT INSERT ON request_events TO dsrdesk_operator;                -- append-only
-- A verification (Art. 12(6) evidence) only through the function that checks it (migration 0019).
GRANT EXECUTE ON FUNCTION dsrdesk_record_verification(bigint, verification_method, text, text, text, text, timestamptz)
    TO dsrdesk_operator;
GRANT INSERT, DELETE ON request_subjects TO dsrdesk_operator;      -- link, unlink: each with its event (0019)
GRANT INSERT ON subject_actions TO dsrdesk_operator;               -- append-only
GRANT INSERT, UPDATE ON scheduled_erasures TO dsrdesk_operator;    -- with erasure_executed (0019)
GRANT INSERT, UPDATE ON recipient_tasks TO dsrdesk_operator;       -- ticked off; never deleted
-- Intake by COPY (src/store/intake_copy.rs) draws the new requests' ids from the table's own
-- identity sequence first, since COPY cannot say which id each row got: nextval only.
GRANT USAGE ON SEQUENCE requests_id_seq TO dsrdesk_operator;
GRANT INSERT, UPDATE ON outbox TO dsrdesk_operator;                -- queued, resolved, sent by the desk
GRANT INSERT ON outbox_attachments TO dsrdesk_operator;            -- append-only
GRANT INSERT ON outbox_raw_messages TO dsrdesk_operator;           -- append-only: each attempt's bytes
GRANT INSERT, UPDATE, DELETE ON reply_drafts TO dsrdesk_operator;  -- working state, not history
GRANT INSERT, UPDATE ON operator_last_seen TO dsrdesk_operator;
-- The inbox (migration 0023): the desk fetches mail too, makes requests from messages, attaches
-- them, sets them aside; what arrived and its history are never changed or deleted.
GRANT INSERT, UPDATE ON inbox_messages TO dsrdesk_operator;
GRANT INSERT ON inbox_attachments, inbox_events, inbox_message_requests TO dsrdesk_operator;
GRANT INSERT, UPDATE ON inbox_cursors TO dsrdesk_operator;
-- Written by triggers as requests arrive (migration 0009: the searched text).
GRANT INSERT, UPDATE ON request_search TO dsrdesk_operator;
-- The overview's counters: triggers append deltas; intake (and the worker) fold them in.
GRANT INSERT, DELETE ON open_request_count_deltas TO dsrdesk_operator;
GRANT INSERT, UPDATE, DELETE ON open_request_counts TO dsrdesk_operator;
-- Erasure (delete, anonymise), rectification and restriction act on the ledger through the data map.
GRANT UPDATE, DELETE ON ALL TABLES IN SCHEMA ledger TO dsrdesk_operator;

-- The worker: follow-up erasures and the outbox sender.
GRANT SELECT ON requests, request_events, request_verifications, request_subjects, subject_actions,
    scheduled_erasures, recipient_tasks, outbox, outbox_attachments, status_transitions, dsrdesk_meta
    TO dsrdesk_worker;
GRANT SELECT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ledger TO dsrdesk_worker;
-- Locking the request it works on (SELECT ... FOR UPDATE) needs an UPDATE right on some column:
-- only updated_at, which the requests trigger sets itself on every change anyway.
GRANT UPDATE (updated_at) ON requests TO dsrdesk_worker;
GRANT INSERT ON request_events, subject_actions, recipient_tasks TO dsrdesk_worker;
-- A follow-up erasure's Art. 19 notices widen a recipient's open task rather than adding a second
-- (migration 0040, whose guard lets only an open task's sources grow): the sources, nothing else.
GRANT UPDATE (sources) ON recipient_tasks TO dsrdesk_worker;
GRANT INSERT, UPDATE ON scheduled_erasures TO dsrdesk_worker;
-- Each pass folds the overview's pending count changes into its summary (Desk::fold_overview_counts),
-- as an intake does.
GRANT SELECT, INSERT, DELETE ON open_request_count_deltas TO dsrdesk_worker;
GRANT SELECT, INSERT, UPDATE, DELETE ON open_request_counts TO dsrdesk_worker;
-- ... and the inbox's waiting count, only through the owner's function (migration 0050; its
-- triggers append as the owner too): nobody writes the count itself.
GRANT EXECUTE ON FUNCTION dsrdesk_fold_inbox_waiting_counts(bigint) TO dsrdesk_worker;
-- The sender's columns only: the state of an attempt and the server's reply (migration 0020).
-- Not resolved_by/resolved_at: marking an uncertain message sent is an operator's decision, so
-- the worker marks a message sent only with the SMTP server's reply accepting it.
GRANT UPDATE (state, attempts, attempt_started_at, lease_until, next_attempt_at, last_error, sent_at,
              smtp_reply) ON outbox TO dsrdesk_worker;
-- The mail fetcher (`dsrdesk worker`, `mail fetch`): stores arrivals and threads replies onto
-- their requests (an attachment and its request event); it makes no request and sets nothing aside.
GRANT SELECT, INSERT ON inbox_messages, inbox_attachments, inbox_events, inbox_message_requests
    TO dsrdesk_worker;
GRANT UPDATE (state) ON inbox_messages TO dsrdesk_worker;
GRANT SELECT, INSERT, UPDATE ON inbox_cursors TO dsrdesk_worker;
GRANT INSERT ON outbox_raw_messages TO dsrdesk_worker;             -- the bytes it hands to SMTP

-- The desk's own retention (issue 17 §3, migration 0032): `dsrdesk retention run` (an operator)
-- and `dsrdesk worker` anonymise closed requests past their period only through
-- dsrdesk_anonymise_request() (SECURITY DEFINER): no role may change an evidence table itself.
-- Legal holds are placed and lifted by operators, each with its event.
GRANT EXECUTE ON FUNCTION dsrdesk_anonymise_request(bigint, jsonb, jsonb, text, timestamptz)
    TO dsrdesk_operator, dsrdesk_worker;
GRANT INSERT, UPDATE ON legal_holds TO dsrdesk_operator;
GRANT SELECT ON legal_holds TO dsrdesk_worker;
