-- Data only to the person it is about (GDPR Art. 12(6), 15(1), 15(4)): a BankID or FTN
-- verification proves who the requester is by the personal number the e-ID returns. That number is
-- stored, and it must be the number of every ledger person the request is linked to. Before this
-- migration an e-ID verification could be recorded without it (number_matches NULL) and the
-- linked person's data then left for a requester the e-ID had shown to be someone else.
--
-- Here the database holds the rule as well as the service:
--  * an e-ID verification cannot be recorded without the returned number, nor when a linked
--    person's number (recorded at link time) differs from it;
--  * after verification, only a person with the e-ID's number may be linked (any link after a
--    verification by another method is refused): the verification covered the persons linked
--    when it was made;
--  * nothing carrying data leaves (answered, erasure/rectification/restriction, replies with
--    data and their attachments, exports) unless, for an e-ID method, the stored returned number
--    equals every linked person's number: `dsrdesk_require_verified` checks it, and every gate
--    calls that function.
-- Verifications recorded before this migration by e-ID without a number no longer open the gates:
-- such a request must be verified again on a new request (a verification is evidence and is never
-- changed).

-- The linked person's identity number as the ledger gave it at link time (normalised by the
-- service: YYYYMMDD-NNNC or the HETU). NULL: the ledger has none (or linked before 0011).
ALTER TABLE request_subjects ADD COLUMN personal_number text CHECK (personal_number <> '');

-- The number the e-ID returned, normalised.
ALTER TABLE request_verifications ADD COLUMN returned_number text CHECK (returned_number <> '');
ALTER TABLE request_verifications ADD CONSTRAINT eid_has_returned_number CHECK (
    method NOT IN ('bankid', 'ftn') OR (returned_number IS NOT NULL AND number_matches IS TRUE)) NOT VALID;

-- Why data may not leave for request `rid`, or NULL when it may.
CREATE FUNCTION dsrdesk_verification_gap(rid bigint) RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
    v request_verifications%ROWTYPE;
    other text;
BEGIN
    SELECT * INTO v FROM request_verifications WHERE request_id = rid;
    IF NOT FOUND THEN
        RETURN 'identity not verified (Art. 12(6)); nothing leaves before it is';
    END IF;
    IF v.method IN ('bankid', 'ftn') THEN
        IF v.returned_number IS NULL THEN
            RETURN 'the e-ID verification has no returned personal number; it cannot show the requester is the linked person (Art. 12(6))';
        END IF;
        SELECT s.person_id INTO other FROM request_subjects s
         WHERE s.request_id = rid AND s.personal_number IS DISTINCT FROM v.returned_number
         ORDER BY s.person_id LIMIT 1;
        IF other IS NOT NULL THEN
            RETURN 'ledger person ' || other || ' does not have the personal number the e-ID returned: their data is not the requester''s (Art. 12(6), 15(4))';
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION dsrdesk_require_verified(rid bigint, what text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    gap text := dsrdesk_verification_gap(rid);
BEGIN
    IF gap IS NOT NULL THEN
        RAISE EXCEPTION '%: %', what, gap USING ERRCODE = 'check_violation';
    END IF;
END $$;

-- An e-ID verification is recorded only when its number is every linked person's.
CREATE FUNCTION request_verifications_match_linked() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    other text;
BEGIN
    IF NEW.method IN ('bankid', 'ftn') THEN
        SELECT s.person_id INTO other FROM request_subjects s
         WHERE s.request_id = NEW.request_id AND s.personal_number IS DISTINCT FROM NEW.returned_number
         ORDER BY s.person_id LIMIT 1;
        IF other IS NOT NULL THEN
            RAISE EXCEPTION 'the e-ID returned a personal number that is not linked ledger person %''s: not verified (Art. 12(6))', other
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER request_verifications_match_linked BEFORE INSERT ON request_verifications
    FOR EACH ROW EXECUTE FUNCTION request_verifications_match_linked();

-- After verification, only the person the e-ID proved may be linked; a link never changes.
CREATE FUNCTION request_subjects_guard_verified() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v request_verifications%ROWTYPE;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.request_id <> OLD.request_id OR NEW.person_id <> OLD.person_id
           OR NEW.personal_number IS DISTINCT FROM OLD.personal_number THEN
            RAISE EXCEPTION 'a link to a ledger person is not changed: unlink and link again'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    SELECT * INTO v FROM request_verifications WHERE request_id = NEW.request_id;
    IF FOUND AND NOT (v.method IN ('bankid', 'ftn') AND v.returned_number IS NOT NULL
                      AND NEW.personal_number = v.returned_number) THEN
        RAISE EXCEPTION 'identity was already verified; ledger person % was not covered by it and cannot be linked now (Art. 12(6))', NEW.person_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER request_subjects_guard_verified BEFORE INSERT OR UPDATE ON request_subjects
    FOR EACH ROW EXECUTE FUNCTION request_subjects_guard_verified();

-- An export (access copy, portability bundle) is recorded only when data may leave.
CREATE FUNCTION request_events_export_gate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ref text;
BEGIN
    SELECT reference INTO ref FROM requests WHERE id = NEW.request_id;
    PERFORM dsrdesk_require_verified(NEW.request_id, 'an export for ' || ref);
    RETURN NEW;
END $$;
CREATE TRIGGER request_events_export_gate BEFORE INSERT ON request_events
    FOR EACH ROW WHEN (NEW.action = 'export_written')
    EXECUTE FUNCTION request_events_export_gate();
