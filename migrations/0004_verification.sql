-- Identity verification (GDPR Art. 12(6)): how the desk became sure the requester is the data
-- subject. Nothing carrying or acting on personal data leaves before it: the database refuses to
-- close an access, portability, erasure or rectification request as answered without it, and
-- `dsrdesk_require_verified` is the check later tables (replies with data, exports, erasure runs)
-- call from their own triggers.

CREATE TYPE verification_method AS ENUM (
    'bankid',             -- Swedish BankID through the agency's portal (transaction reference required)
    'ftn',                -- Finnish Trust Network e-identification (transaction reference required)
    'registered_email',   -- a reply from the e-mail address registered in the ledger
    'registered_address', -- a letter to the address registered in the ledger, answered
    'id_document'         -- a copy of an identity document, checked
);

CREATE TABLE request_verifications (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id            bigint NOT NULL UNIQUE REFERENCES requests (id),
    method                verification_method NOT NULL,
    transaction_reference text CHECK (transaction_reference <> ''),
    evidence              text NOT NULL CHECK (evidence <> ''),
    -- Whether the number the e-ID returned matches the one the requester gave (NULL: not compared).
    number_matches        boolean,
    verified_by           text NOT NULL CHECK (verified_by <> ''),
    verified_at           timestamptz NOT NULL,
    recorded_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT eid_has_transaction CHECK (
        method NOT IN ('bankid', 'ftn') OR transaction_reference IS NOT NULL)
);

ALTER TABLE requests ADD COLUMN identity_verified_at timestamptz;

-- A verification, once recorded, is evidence: it is never edited or removed.
CREATE TRIGGER request_verifications_append_only
    BEFORE UPDATE OR DELETE ON request_verifications
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();

CREATE FUNCTION dsrdesk_require_verified(rid bigint, what text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM request_verifications WHERE request_id = rid) THEN
        RAISE EXCEPTION '%: identity not verified (Art. 12(6)); nothing leaves before it is', what
            USING ERRCODE = 'check_violation';
    END IF;
END $$;

CREATE FUNCTION requests_guard_verification() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'answered' AND OLD.status <> 'answered'
       AND NEW.kind IN ('access', 'portability', 'erasure', 'rectification') THEN
        PERFORM dsrdesk_require_verified(NEW.id, 'request ' || NEW.reference || ' answered');
    END IF;
    IF NEW.identity_verified_at IS DISTINCT FROM OLD.identity_verified_at THEN
        IF OLD.identity_verified_at IS NOT NULL THEN
            RAISE EXCEPTION 'request %: a verification cannot be changed', OLD.reference
                USING ERRCODE = 'check_violation';
        END IF;
        PERFORM dsrdesk_require_verified(NEW.id, 'request ' || NEW.reference);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER requests_guard_verification
    BEFORE UPDATE ON requests
    FOR EACH ROW EXECUTE FUNCTION requests_guard_verification();
