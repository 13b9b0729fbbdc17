-- The database as the last line of defence, continued (issue 14 §1; migration 0018 began it).
-- What a login with psql could still do beside the desk, and what holds it now:
--
-- 1. Verification (GDPR Art. 12(6)): a request_verifications row only through
--    dsrdesk_record_verification(), a SECURITY DEFINER function that checks what the service
--    checks — the number an e-ID returned is the requester's (when given) and every linked
--    person's, the day is not before the receipt nor after today, the verifier is the real login
--    — and sets requests.identity_verified_at itself. scripts/roles.sql takes away the operator's
--    INSERT on request_verifications and its right to write identity_verified_at.
-- 2. Links and follow-up erasures move only with their operation's event: a link added or
--    removed needs its subject_linked / subject_unlinked event, a follow-up erasure created,
--    superseded, carried out (or otherwise changed) needs the erasure_executed event, for that
--    request in the same transaction (the event's txid, set by 0018's trigger). A link whose
--    person's data was acted on is never removed. The daily look at an open-ended follow-up
--    (last_checked_on) needs no event but cannot be moved beyond today.
-- 3. Who wrote an event: for a role other than the owner, `actor` is the login (session_user);
--    a different name the client sent is kept beside it as `claimed_actor`, never as the actor.
--
-- The schema's owner (and a superuser), who could disable any trigger, is not held by the event
-- requirements (tests and the demo seed write such rows directly), as in 0018.

-- Whether the session's login is the schema's owner (or a superuser): SECURITY DEFINER does not
-- change session_user, so this says who called, wherever it is asked.
CREATE FUNCTION dsrdesk_session_is_owner() RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog AS $$
    SELECT pg_has_role(session_user,
                       (SELECT relowner FROM pg_class WHERE oid = 'public.requests'::regclass), 'USAGE')
$$;

-- Refuses unless an event of one of `kinds` for request `rid` was written in this transaction.
CREATE FUNCTION dsrdesk_require_event(rid bigint, kinds text[], what text) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = public, pg_catalog AS $$
BEGIN
    IF dsrdesk_session_is_owner() THEN
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM request_events
                    WHERE request_id = rid AND txid = txid_current() AND action = ANY (kinds)) THEN
        RAISE EXCEPTION 'request %: % without its event (%) in the history',
            (SELECT reference FROM requests WHERE id = rid), what, array_to_string(kinds, ' or ')
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
END $$;

-- 3. ---------------------------------------------------------------------------------------------
ALTER TABLE request_events ADD COLUMN claimed_actor text;
COMMENT ON COLUMN request_events.claimed_actor IS
    'the name the client sent as actor when it was not the login that wrote the event (a claim, not evidence)';

CREATE OR REPLACE FUNCTION request_events_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT pg_has_role(session_user,
                       (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
        NEW.claimed_actor := CASE WHEN NEW.actor IS DISTINCT FROM session_user::text THEN NEW.actor END;
        NEW.actor := session_user;
        NEW.db_role := session_user;
        NEW.recorded_at := now();
    END IF;
    NEW.txid := txid_current();
    RETURN NEW;
END $$;

-- 1. ---------------------------------------------------------------------------------------------
-- The requester's number as typed at intake against the e-ID's, normalised (YYYYMMDD-NNNC or the
-- HETU, as src/domain/identity.rs writes it): the same letters and digits, or, for a Swedish
-- number typed without its century, the same last ten digits. The service parses both fully;
-- this is the database's own backstop.
CREATE FUNCTION dsrdesk_same_identity_number(typed text, normalized text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT t = n OR (t ~ '^[0-9]{10}$' AND n ~ '^[0-9]{12}$' AND right(n, 10) = t)
    FROM (SELECT upper(regexp_replace(typed, '[^0-9A-Za-z]', '', 'g')) AS t,
                 upper(regexp_replace(normalized, '[^0-9A-Za-z]', '', 'g')) AS n) AS x
$$;

-- Record that request `rid`'s requester is verified (Art. 12(6)) and return the request's new
-- version. The caller writes the identity_verified event in the same transaction (required at
-- commit by request_verifications_require_event below).
CREATE FUNCTION dsrdesk_record_verification(
    rid bigint,
    method verification_method,
    transaction_reference text,
    evidence text,
    returned_number text,
    verified_by text,
    verified_at timestamptz
) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_catalog AS $$
DECLARE
    r requests%ROWTYPE;
    eid boolean := method IN ('bankid', 'ftn');
    verified_on date;
    other text;
    new_version integer;
BEGIN
    SELECT * INTO r FROM requests WHERE id = rid FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no request with id %', rid USING ERRCODE = 'no_data_found';
    END IF;
    IF r.status NOT IN ('new', 'in_progress', 'awaiting_information') THEN
        RAISE EXCEPTION 'request %: the request is closed (%)', r.reference, r.status
            USING ERRCODE = 'check_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM request_verifications v WHERE v.request_id = rid) THEN
        RAISE EXCEPTION 'request %: identity was already verified; a verification is never changed', r.reference
            USING ERRCODE = 'check_violation';
    END IF;
    IF coalesce(btrim(evidence), '') = '' THEN
        RAISE EXCEPTION 'request %: a verification needs evidence: what was seen', r.reference
            USING ERRCODE = 'check_violation';
    END IF;
    -- The day it was done, in the controller's time zone: not before the request arrived, not
    -- after today (a date is that day; only a later day is in the future).
    verified_on := dsrdesk_local_date(r.jurisdiction, verified_at);
    IF verified_on < r.received_on THEN
        RAISE EXCEPTION 'request %: verified on % is before the request was received (%)', r.reference,
            verified_on, r.received_on USING ERRCODE = 'check_violation';
    END IF;
    IF verified_on > dsrdesk_local_date(r.jurisdiction, now()) THEN
        RAISE EXCEPTION 'request %: verified on % is in the future', r.reference, verified_on
            USING ERRCODE = 'check_violation';
    END IF;
    IF eid THEN
        IF coalesce(btrim(transaction_reference), '') = '' THEN
            RAISE EXCEPTION 'request %: % needs the portal''s transaction reference', r.reference, method
                USING ERRCODE = 'check_violation';
        END IF;
        IF returned_number IS NULL THEN
            RAISE EXCEPTION 'request %: % needs the personal number the e-ID returned', r.reference, method
                USING ERRCODE = 'check_violation';
        END IF;
        IF r.requester_personal_number IS NOT NULL
           AND NOT dsrdesk_same_identity_number(r.requester_personal_number, returned_number) THEN
            RAISE EXCEPTION 'request %: the e-ID returned a different personal number from the one the requester gave: not verified (Art. 12(6))', r.reference
                USING ERRCODE = 'check_violation';
        END IF;
        SELECT s.person_id INTO other FROM request_subjects s
         WHERE s.request_id = rid AND s.personal_number IS DISTINCT FROM returned_number
         ORDER BY s.person_id LIMIT 1;
        IF other IS NOT NULL THEN
            RAISE EXCEPTION 'request %: the e-ID returned a personal number that is not linked ledger person %''s: not verified (Art. 12(6), 15(4))', r.reference, other
                USING ERRCODE = 'check_violation';
        END IF;
    ELSIF returned_number IS NOT NULL THEN
        RAISE EXCEPTION 'request %: a returned personal number comes from an e-ID (bankid, ftn), not from %', r.reference, method
            USING ERRCODE = 'check_violation';
    END IF;
    INSERT INTO request_verifications
        (request_id, method, transaction_reference, evidence, number_matches, returned_number,
         verified_by, verified_at)
    VALUES (rid, method, nullif(btrim(transaction_reference), ''), btrim(evidence),
            CASE WHEN eid THEN true END, returned_number,
            -- Who verified is the login that called, unless the owner records it.
            CASE WHEN dsrdesk_session_is_owner() THEN verified_by ELSE session_user END,
            verified_at);
    UPDATE requests SET identity_verified_at = verified_at WHERE id = rid
        RETURNING requests.version INTO new_version;
    RETURN new_version;
END $$;
-- Functions are executable by PUBLIC by default: this one only by the roles scripts/roles.sql names.
REVOKE ALL ON FUNCTION dsrdesk_record_verification(bigint, verification_method, text, text, text, text, timestamptz)
    FROM PUBLIC;

-- A verification recorded with its event, whoever inserts it.
CREATE FUNCTION request_verifications_require_event() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
BEGIN
    PERFORM dsrdesk_require_event(NEW.request_id, ARRAY['identity_verified'], 'identity verified');
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER request_verifications_require_event
    AFTER INSERT ON request_verifications
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION request_verifications_require_event();

-- 2. ---------------------------------------------------------------------------------------------
-- Links: added with subject_linked, removed with subject_unlinked (src/service/subject.rs).
CREATE FUNCTION request_subjects_require_event() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM dsrdesk_require_event(OLD.request_id, ARRAY['subject_unlinked'],
                                      'ledger person ' || OLD.person_id || ' unlinked');
    ELSE
        PERFORM dsrdesk_require_event(NEW.request_id, ARRAY['subject_linked'],
                                      'ledger person ' || NEW.person_id || ' linked');
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER request_subjects_require_event
    AFTER INSERT OR DELETE ON request_subjects
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION request_subjects_require_event();

-- A link whose person's data was acted on for the request (erased, rectified, restricted) is the
-- evidence of whose data that was: it stays (the service refuses the same; subject.rs unlink).
CREATE FUNCTION request_subjects_keep_acted_on() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM subject_actions a
                WHERE a.request_id = OLD.request_id AND a.person_id = OLD.person_id) THEN
        RAISE EXCEPTION 'request %: ledger person %''s data was already acted on for this request; the link is evidence and stays',
            (SELECT reference FROM requests WHERE id = OLD.request_id), OLD.person_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER request_subjects_keep_acted_on
    BEFORE DELETE ON request_subjects
    FOR EACH ROW EXECUTE FUNCTION request_subjects_keep_acted_on();

-- Follow-up erasures: created, superseded and carried out only by carrying out an erasure plan
-- (src/service/erasure.rs, whose every path writes erasure_executed). An operation added later
-- that moves follow-ups (a cancel, a postponement) adds its event's kind here, in a migration.
CREATE FUNCTION scheduled_erasures_require_event() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (OLD.request_id, OLD.due_on, OLD.created_at, OLD.done_at, OLD.outcome)
           IS NOT DISTINCT FROM (NEW.request_id, NEW.due_on, NEW.created_at, NEW.done_at, NEW.outcome) THEN
        RETURN NULL; -- only the daily look (last_checked_on), bounded by scheduled_erasures_look
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM dsrdesk_require_event(OLD.request_id, ARRAY['erasure_executed'],
                                      'a follow-up erasure removed');
    ELSE
        PERFORM dsrdesk_require_event(NEW.request_id, ARRAY['erasure_executed'],
                                      CASE TG_OP WHEN 'INSERT' THEN 'a follow-up erasure scheduled'
                                                 ELSE 'a follow-up erasure changed' END);
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER scheduled_erasures_require_event
    AFTER INSERT OR UPDATE OR DELETE ON scheduled_erasures
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION scheduled_erasures_require_event();

-- The daily look at an open-ended follow-up goes forward only, and not past today (the day
-- after, for a clock a little ahead): a look dated years ahead would silence the follow-up.
CREATE FUNCTION scheduled_erasures_look() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
BEGIN
    IF dsrdesk_session_is_owner() OR NEW.last_checked_on IS NOT DISTINCT FROM OLD.last_checked_on
       OR NEW.done_at IS DISTINCT FROM OLD.done_at THEN
        RETURN NEW; -- carried out or superseded: held by its event instead
    END IF;
    IF NEW.last_checked_on < OLD.last_checked_on
       OR NEW.last_checked_on > (now() AT TIME ZONE 'Europe/Stockholm')::date + 1 THEN
        RAISE EXCEPTION 'request %: a follow-up erasure''s last look % is not between % and today',
            (SELECT reference FROM requests WHERE id = NEW.request_id), NEW.last_checked_on,
            coalesce(OLD.last_checked_on::text, 'its creation')
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER scheduled_erasures_look
    BEFORE UPDATE OF last_checked_on ON scheduled_erasures
    FOR EACH ROW EXECUTE FUNCTION scheduled_erasures_look();
