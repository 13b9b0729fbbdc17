-- The desk's own retention (issue 17 §3) and legal holds.
--
-- A closed request's personal data held by the desk itself (the requester's details, the request
-- text, drafts, mails in and out, attachments, the verification's evidence) is anonymised a period
-- after it closed (Art. 5(1)(e), storage limitation: `[controllers.XX.desk_retention]`, see
-- src/domain/retention.rs). What stays: the reference, kind, controller, dates, status and outcome,
-- and the event skeleton, so the statistics count the same and every hash chain still verifies
-- (the details' hash stays when their text goes, migration 0031).
--
-- A legal hold (an authority's or a court's case open about the request) stops the anonymisation
-- until it is lifted: the request is the evidence of that case (Art. 17(3)(e)).
--
-- The database refuses an anonymisation of a request that is open, held, or not marked anonymised
-- in the same transaction as its `anonymised` event; the evidence tables' append-only guards let
-- such a request's personal content (and nothing else) give way, and nothing else.

CREATE TABLE legal_holds (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id     bigint NOT NULL REFERENCES requests (id),
    -- The authority or court ("IMY", "Tietosuojavaltuutettu", "Stockholms tingsrätt").
    authority      text NOT NULL CHECK (authority <> '' AND authority !~ '[[:cntrl:]]'),
    -- Its own reference for the case ("DI-2026-1234").
    case_reference text NOT NULL CHECK (case_reference <> '' AND case_reference !~ '[[:cntrl:]]'),
    -- When the authority expects an answer, if it said.
    due_on         date,
    placed_by      text NOT NULL CHECK (placed_by <> ''),
    placed_at      timestamptz NOT NULL,
    lifted_by      text,
    lifted_at      timestamptz,
    CONSTRAINT lifted_together CHECK ((lifted_by IS NULL) = (lifted_at IS NULL))
);
CREATE INDEX legal_holds_active ON legal_holds (request_id) WHERE lifted_at IS NULL;

-- A hold is placed and lifted with its event (legal_hold_placed, legal_hold_lifted), never edited
-- otherwise and never removed.
CREATE FUNCTION legal_holds_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'legal hold %: a hold is lifted, never removed', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.lifted_at IS NOT NULL
       OR (NEW.id, NEW.request_id, NEW.authority, NEW.case_reference, NEW.due_on, NEW.placed_by, NEW.placed_at)
          IS DISTINCT FROM
          (OLD.id, OLD.request_id, OLD.authority, OLD.case_reference, OLD.due_on, OLD.placed_by, OLD.placed_at) THEN
        RAISE EXCEPTION 'legal hold %: only lifting it, once, changes it', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER legal_holds_guard BEFORE UPDATE OR DELETE ON legal_holds
    FOR EACH ROW EXECUTE FUNCTION legal_holds_guard();
CREATE FUNCTION legal_holds_require_event() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
BEGIN
    PERFORM dsrdesk_require_event(NEW.request_id,
        CASE WHEN TG_OP = 'INSERT' THEN ARRAY['legal_hold_placed'] ELSE ARRAY['legal_hold_lifted'] END,
        'legal hold ' || NEW.case_reference);
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER legal_holds_require_event
    AFTER INSERT OR UPDATE ON legal_holds
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION legal_holds_require_event();

ALTER TABLE requests ADD COLUMN anonymised_at timestamptz;
ALTER TABLE requests DROP CONSTRAINT requester_named,
    ADD CONSTRAINT requester_named
        CHECK (requester_name IS NOT NULL OR requester_email IS NOT NULL OR anonymised_at IS NOT NULL);

-- Whether request `rid`'s personal content may give way now: it is closed, marked anonymised
-- (with its event, in this transaction or before) and under no legal hold.
CREATE FUNCTION dsrdesk_may_anonymise(rid bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM requests r
                   WHERE r.id = rid AND r.anonymised_at IS NOT NULL AND r.closed_at IS NOT NULL)
       AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.request_id = rid AND h.lifted_at IS NULL)
$$;

-- Marking a request anonymised: once, only when closed, never under a hold, with its event.
CREATE FUNCTION requests_guard_anonymised() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.anonymised_at IS DISTINCT FROM OLD.anonymised_at THEN
        IF OLD.anonymised_at IS NOT NULL THEN
            RAISE EXCEPTION 'request %: an anonymisation is not undone', OLD.reference
                USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.closed_at IS NULL THEN
            RAISE EXCEPTION 'request %: an open request is not anonymised', OLD.reference
                USING ERRCODE = 'check_violation';
        END IF;
        IF EXISTS (SELECT 1 FROM legal_holds h WHERE h.request_id = OLD.id AND h.lifted_at IS NULL) THEN
            RAISE EXCEPTION 'request %: under a legal hold, it is not anonymised', OLD.reference
                USING ERRCODE = 'check_violation';
        END IF;
        PERFORM dsrdesk_require_event(OLD.id, ARRAY['anonymised'], 'request ' || OLD.reference || ' anonymised');
    ELSIF OLD.anonymised_at IS NOT NULL AND (
        NEW.requester_name IS NOT NULL OR NEW.requester_email IS NOT NULL
        OR NEW.requester_personal_number IS NOT NULL OR NEW.requester_address IS NOT NULL
        OR NEW.requester_phone IS NOT NULL OR NEW.body <> '') THEN
        RAISE EXCEPTION 'request %: anonymised, it takes no personal data again', OLD.reference
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER requests_guard_anonymised BEFORE UPDATE ON requests
    FOR EACH ROW EXECUTE FUNCTION requests_guard_anonymised();

-- The evidence tables: each row's personal content may give way for its request's anonymisation.
ALTER TABLE outbox ADD COLUMN anonymised_at timestamptz;
ALTER TABLE outbox_attachments ADD COLUMN anonymised_at timestamptz,
    DROP CONSTRAINT sha256_is_of_content,
    ADD CONSTRAINT sha256_is_of_content CHECK (sha256 = encode(sha256(content), 'hex') OR anonymised_at IS NOT NULL);
ALTER TABLE outbox_raw_messages ADD COLUMN anonymised_at timestamptz,
    DROP CONSTRAINT sha256_is_of_raw,
    ADD CONSTRAINT sha256_is_of_raw CHECK (sha256 = encode(sha256(raw), 'hex') OR anonymised_at IS NOT NULL);
ALTER TABLE inbox_messages ADD COLUMN anonymised_at timestamptz,
    DROP CONSTRAINT sha256_is_of_raw,
    ADD CONSTRAINT sha256_is_of_raw CHECK (sha256 = encode(sha256(raw), 'hex') OR anonymised_at IS NOT NULL);
ALTER TABLE inbox_attachments ADD COLUMN anonymised_at timestamptz,
    DROP CONSTRAINT sha256_is_of_content,
    DROP CONSTRAINT size_is_of_content,
    ADD CONSTRAINT sha256_is_of_content CHECK (sha256 = encode(sha256(content), 'hex') OR anonymised_at IS NOT NULL),
    ADD CONSTRAINT size_is_of_content CHECK (size = octet_length(content) OR anonymised_at IS NOT NULL);

-- An inbox message gives way only when every request it belongs to does.
CREATE FUNCTION dsrdesk_may_anonymise_message(mid bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM inbox_message_requests l WHERE l.message_id = mid)
       AND NOT EXISTS (SELECT 1 FROM inbox_message_requests l
                       WHERE l.message_id = mid AND NOT dsrdesk_may_anonymise(l.request_id))
$$;

-- request_events and request_verifications (refuse_history_change): an event's details give way
-- to their skeleton (its other columns, and the details' hash, stay as written); a verification's
-- evidence, transaction reference and returned number give way.
CREATE OR REPLACE FUNCTION refuse_history_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'request_events' THEN
        IF OLD.anonymised_at IS NULL AND NEW.anonymised_at IS NOT NULL
           AND to_jsonb(NEW) - 'details' - 'anonymised_at' = to_jsonb(OLD) - 'details' - 'anonymised_at'
           AND dsrdesk_may_anonymise(OLD.request_id) THEN
            RETURN NEW;
        END IF;
    ELSIF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'request_verifications' THEN
        IF to_jsonb(NEW) - 'evidence' - 'transaction_reference' - 'returned_number'
           = to_jsonb(OLD) - 'evidence' - 'transaction_reference' - 'returned_number'
           AND dsrdesk_may_anonymise(OLD.request_id) THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION '%: % is not allowed (append-only)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

-- outbox_attachments and outbox_raw_messages (outbox_refuse_change): the bytes give way, the
-- digest stays.
CREATE OR REPLACE FUNCTION outbox_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME IN ('outbox_attachments', 'outbox_raw_messages') THEN
        IF OLD.anonymised_at IS NULL AND NEW.anonymised_at IS NOT NULL AND NEW.sha256 = OLD.sha256
           AND dsrdesk_may_anonymise((SELECT o.request_id FROM outbox o WHERE o.id = OLD.outbox_id)) THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION '%: % is not allowed (the outbox is the record of what was sent)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

-- inbox_attachments (inbox_refuse_change): the content gives way, its digest and size stay.
CREATE OR REPLACE FUNCTION inbox_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'inbox_attachments' THEN
        IF OLD.anonymised_at IS NULL AND NEW.anonymised_at IS NOT NULL
           AND (NEW.sha256, NEW.size, NEW.message_id, NEW.position) = (OLD.sha256, OLD.size, OLD.message_id, OLD.position)
           AND dsrdesk_may_anonymise_message(OLD.message_id) THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION '%: % is not allowed (the inbox is evidence of what arrived)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

-- The outbox and the inbox messages: their own guards stand aside for the anonymisation of their
-- request (the first update that sets anonymised_at; the digest and state stay as they were).
CREATE FUNCTION outbox_anonymising(o outbox, n outbox) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT o.anonymised_at IS NULL AND n.anonymised_at IS NOT NULL
       AND (n.id, n.request_id, n.message_id, n.state, n.sent_at, n.queued_at, n.carries_data)
           = (o.id, o.request_id, o.message_id, o.state, o.sent_at, o.queued_at, o.carries_data)
       AND dsrdesk_may_anonymise(o.request_id)
$$;
DROP TRIGGER outbox_guard ON outbox;
CREATE TRIGGER outbox_guard BEFORE UPDATE ON outbox
    FOR EACH ROW WHEN (NOT outbox_anonymising(OLD, NEW)) EXECUTE FUNCTION outbox_guard();
CREATE TRIGGER outbox_guard_delete BEFORE DELETE ON outbox
    FOR EACH ROW EXECUTE FUNCTION outbox_guard();

CREATE FUNCTION inbox_message_anonymising(o inbox_messages, n inbox_messages) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT o.anonymised_at IS NULL AND n.anonymised_at IS NOT NULL
       AND (n.id, n.sha256, n.size, n.state, n.received_at, n.mailbox, n.message_id)
           IS NOT DISTINCT FROM (o.id, o.sha256, o.size, o.state, o.received_at, o.mailbox, o.message_id)
       AND dsrdesk_may_anonymise_message(o.id)
$$;
DROP TRIGGER inbox_messages_guard ON inbox_messages;
CREATE TRIGGER inbox_messages_guard BEFORE UPDATE ON inbox_messages
    FOR EACH ROW WHEN (NOT inbox_message_anonymising(OLD, NEW)) EXECUTE FUNCTION inbox_messages_guard();

-- The anonymisation itself, for the desk's roles: they have no right to change any evidence
-- table, so it runs with the owner's rights (SECURITY DEFINER, fixed search_path) and does only
-- this: count what goes, write the `anonymised` event, mark the request (its guard refuses an open or held one) and let each
-- personal column give way. `actor` is the operator's name (the stamp replaces it by the login
-- for every role but the owner, as for any event). `skeletons` maps event ids of this request to their details'
-- skeleton (src/domain/retention.rs decides them); `details` is the event's own part.
-- Returns the counts the event carries.
CREATE FUNCTION dsrdesk_anonymise_request(rid bigint, skeletons jsonb, details jsonb, actor text, at timestamptz)
RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_catalog AS $$
DECLARE
    removed jsonb;
    messages bigint[];
BEGIN
    IF NOT EXISTS (SELECT 1 FROM requests WHERE id = rid AND closed_at IS NOT NULL AND anonymised_at IS NULL) THEN
        RAISE EXCEPTION 'request %: only a closed request not yet anonymised is anonymised',
            (SELECT reference FROM requests WHERE id = rid) USING ERRCODE = 'check_violation';
    END IF;
    -- Mails in: only those whose every other request is anonymised already and not held.
    SELECT coalesce(array_agg(m.id ORDER BY m.id), '{}') INTO messages
    FROM inbox_messages m
    WHERE m.anonymised_at IS NULL
      AND m.id IN (SELECT message_id FROM inbox_message_requests WHERE request_id = rid)
      AND NOT EXISTS (SELECT 1 FROM inbox_message_requests l JOIN requests o ON o.id = l.request_id
                      WHERE l.message_id = m.id AND o.id <> rid
                        AND (o.anonymised_at IS NULL
                             OR EXISTS (SELECT 1 FROM legal_holds h WHERE h.request_id = o.id AND h.lifted_at IS NULL)));
    SELECT jsonb_build_object(
        'requester_fields', (SELECT (requester_name IS NOT NULL)::int + (requester_email IS NOT NULL)::int
                                    + (requester_personal_number IS NOT NULL)::int
                                    + (requester_address IS NOT NULL)::int + (requester_phone IS NOT NULL)::int
                             FROM requests WHERE id = rid),
        'request_text', (SELECT (body <> '')::int FROM requests WHERE id = rid),
        'event_details', (SELECT count(*) FROM jsonb_object_keys(skeletons)),
        'drafts', (SELECT count(*) FROM reply_drafts WHERE request_id = rid),
        'mails_out', (SELECT count(*) FROM outbox WHERE request_id = rid AND anonymised_at IS NULL),
        'mail_bytes_out', (SELECT count(*) FROM outbox_raw_messages m JOIN outbox o ON o.id = m.outbox_id
                           WHERE o.request_id = rid AND m.anonymised_at IS NULL),
        'attachments_out', (SELECT count(*) FROM outbox_attachments a JOIN outbox o ON o.id = a.outbox_id
                            WHERE o.request_id = rid AND a.anonymised_at IS NULL),
        'mails_in', cardinality(messages),
        'attachments_in', (SELECT count(*) FROM inbox_attachments WHERE message_id = ANY (messages)
                           AND anonymised_at IS NULL),
        'verification_evidence', (SELECT count(*) FROM request_verifications WHERE request_id = rid),
        'subject_numbers', (SELECT count(*) FROM request_subjects
                            WHERE request_id = rid AND personal_number IS NOT NULL)) INTO removed;
    INSERT INTO request_events (request_id, effective_at, actor, action, details)
    VALUES (rid, at, actor, 'anonymised', details || jsonb_build_object('removed', removed));

    UPDATE requests SET requester_name = NULL, requester_email = NULL, requester_personal_number = NULL,
           requester_address = NULL, requester_phone = NULL, body = '', anonymised_at = at
    WHERE id = rid;
    UPDATE request_events e SET details = s.value, anonymised_at = at
    FROM jsonb_each(skeletons) s
    WHERE e.id = s.key::bigint AND e.request_id = rid AND e.anonymised_at IS NULL;
    DELETE FROM reply_drafts WHERE request_id = rid;
    UPDATE outbox_raw_messages m SET raw = '', anonymised_at = at
    FROM outbox o WHERE o.id = m.outbox_id AND o.request_id = rid AND m.anonymised_at IS NULL;
    UPDATE outbox_attachments a SET content = '', anonymised_at = at
    FROM outbox o WHERE o.id = a.outbox_id AND o.request_id = rid AND a.anonymised_at IS NULL;
    UPDATE outbox SET to_name = NULL, to_address = 'anonymised@anonymised.invalid', subject = '[anonymised]',
           body = '', last_error = NULL, anonymised_at = at
    WHERE request_id = rid AND anonymised_at IS NULL;
    IF cardinality(messages) > 0 THEN
        -- Each message's own history requires its event.
        INSERT INTO inbox_events (message_id, actor, action, details)
        SELECT m, actor, 'anonymised', jsonb_build_object('request_id', rid) FROM unnest(messages) m;
        UPDATE inbox_attachments SET content = '', file_name = 'anonymised', anonymised_at = at
        WHERE message_id = ANY (messages) AND anonymised_at IS NULL;
        UPDATE inbox_messages SET raw = '', from_name = NULL, from_address = NULL, reply_to = NULL,
               to_addresses = NULL, subject = NULL, body_text = '', anonymised_at = at
        WHERE id = ANY (messages);
    END IF;
    UPDATE request_verifications SET evidence = '[anonymised]',
           transaction_reference = CASE WHEN transaction_reference IS NULL THEN NULL ELSE '[anonymised]' END,
           returned_number = CASE WHEN returned_number IS NULL THEN NULL ELSE '[anonymised]' END
    WHERE request_id = rid;
    UPDATE request_subjects SET personal_number = NULL WHERE request_id = rid AND personal_number IS NOT NULL;
    RETURN removed;
END $$;
REVOKE ALL ON FUNCTION dsrdesk_anonymise_request(bigint, jsonb, jsonb, text, timestamptz) FROM PUBLIC;
