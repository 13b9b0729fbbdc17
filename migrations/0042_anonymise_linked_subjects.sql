-- The anonymisation of a request linked to ledger persons (issue 17 §3, Art. 5(1)(e)):
-- dsrdesk_anonymise_request (0032) clears the linked persons' personal numbers, but the guard of
-- 0011 ("a link never changes") refused that update, so no linked request — every one that was
-- answered with an access copy or a bundle — could be anonymised. The link still never changes;
-- only its number gives way, and only when the request's personal content may (closed, marked
-- anonymised with its event, under no hold: dsrdesk_may_anonymise).
CREATE OR REPLACE FUNCTION request_subjects_guard_verified() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v request_verifications%ROWTYPE;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.request_id = OLD.request_id AND NEW.person_id = OLD.person_id
           AND OLD.personal_number IS NOT NULL AND NEW.personal_number IS NULL
           AND dsrdesk_may_anonymise(OLD.request_id) THEN
            RETURN NEW;
        END IF;
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
