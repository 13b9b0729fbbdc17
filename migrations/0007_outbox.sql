-- The outbox: replies to data subjects, stored in the same transaction as the request's change
-- and its event, then delivered over SMTP by `dsrdesk outbox send`, the worker or the desk.
--
-- States:
--   queued    stored, not yet tried
--   sending   an attempt was recorded (and committed) before the SMTP transaction started;
--             `lease_until` says until when the sender that took it is presumed alive
--   sent      the server accepted it
--   retry     a temporary failure (4xx, connection trouble); tried again at `next_attempt_at`
--   failed    a permanent failure (5xx, invalid recipient, too many attempts): the operator acts
--   uncertain found still `sending` after its lease expired (or the server's answer to the
--             message never came): it may or may not have been delivered. Never resent by
--             itself; the operator resolves it (`dsrdesk outbox resolve ID --sent|--resend`).

CREATE TABLE outbox (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id         bigint NOT NULL REFERENCES requests (id),
    -- `<uuid@domain-of-from>`, stable across attempts and resends so mail clients de-duplicate.
    message_id         text NOT NULL UNIQUE CHECK (message_id ~ '^<[^<>@[:space:][:cntrl:]]+@[^<>@[:space:][:cntrl:]]+>$'),
    purpose            text NOT NULL CHECK (purpose <> ''),
    language           text NOT NULL CHECK (language <> ''),
    from_name          text NOT NULL,
    from_address       text NOT NULL CHECK (from_address <> ''),
    to_name            text,
    to_address         text NOT NULL CHECK (to_address <> ''),
    subject            text NOT NULL CHECK (subject <> ''),
    body               text NOT NULL,
    carries_data       boolean NOT NULL,
    state              text NOT NULL DEFAULT 'queued'
                       CHECK (state IN ('queued', 'sending', 'sent', 'retry', 'failed', 'uncertain')),
    attempts           integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at    timestamptz NOT NULL,
    attempt_started_at timestamptz,
    lease_until        timestamptz,
    last_error         text,
    sent_at            timestamptz,
    queued_by          text NOT NULL CHECK (queued_by <> ''),
    queued_at          timestamptz NOT NULL,
    -- The operator's last decision on an uncertain or failed message.
    resolved_by        text,
    resolved_at        timestamptz,
    -- Header material never holds a line break or another control character (header injection).
    CONSTRAINT header_material_is_one_line CHECK (
        from_name !~ '[[:cntrl:]]' AND from_address !~ '[[:cntrl:][:space:]]'
        AND coalesce(to_name, '') !~ '[[:cntrl:]]' AND to_address !~ '[[:cntrl:][:space:]]'
        AND subject !~ '[[:cntrl:]]'),
    CONSTRAINT sending_has_lease CHECK ((state = 'sending') = (lease_until IS NOT NULL)),
    CONSTRAINT sent_has_time CHECK ((state = 'sent') = (sent_at IS NOT NULL))
);
-- What the sender takes next; what the list and the detail flag.
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE state IN ('queued', 'retry');
CREATE INDEX outbox_leases ON outbox (lease_until) WHERE state = 'sending';
CREATE INDEX outbox_by_request ON outbox (request_id, id);
CREATE INDEX outbox_attention ON outbox (request_id) WHERE state IN ('failed', 'uncertain');

CREATE TABLE outbox_attachments (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    outbox_id    bigint NOT NULL REFERENCES outbox (id),
    file_name    text NOT NULL CHECK (file_name <> '' AND file_name !~ '[[:cntrl:]/\\]'),
    content_type text NOT NULL CHECK (content_type ~ '^[a-zA-Z0-9!#$&^_.+-]+/[a-zA-Z0-9!#$&^_.+-]+(; ?[a-zA-Z0-9_-]+=[a-zA-Z0-9_.-]+)*$'),
    content      bytea NOT NULL,
    -- Hex SHA-256 of `content`, checked here so the stored digest is always the content's.
    sha256       text NOT NULL,
    CONSTRAINT sha256_is_of_content CHECK (sha256 = encode(sha256(content), 'hex'))
);
CREATE INDEX outbox_attachments_by_message ON outbox_attachments (outbox_id, id);

-- Art. 12(6): nothing with personal data leaves before the requester's identity is verified.
CREATE FUNCTION outbox_require_verified() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ref text;
BEGIN
    IF NEW.carries_data THEN
        SELECT reference INTO ref FROM requests WHERE id = NEW.request_id;
        PERFORM dsrdesk_require_verified(NEW.request_id, 'a reply with personal data for ' || ref);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER outbox_require_verified BEFORE INSERT ON outbox
    FOR EACH ROW EXECUTE FUNCTION outbox_require_verified();

-- What was previewed is what is sent: the content never changes, a message is never deleted, and
-- the state moves only along the allowed transitions.
CREATE FUNCTION outbox_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'outbox message % cannot be deleted: it is the record of a reply', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (NEW.request_id, NEW.message_id, NEW.purpose, NEW.language, NEW.from_name, NEW.from_address,
        NEW.to_name, NEW.to_address, NEW.subject, NEW.body, NEW.carries_data, NEW.queued_by, NEW.queued_at)
       IS DISTINCT FROM
       (OLD.request_id, OLD.message_id, OLD.purpose, OLD.language, OLD.from_name, OLD.from_address,
        OLD.to_name, OLD.to_address, OLD.subject, OLD.body, OLD.carries_data, OLD.queued_by, OLD.queued_at) THEN
        RAISE EXCEPTION 'outbox message %: the content of a queued message cannot change', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.state <> OLD.state AND NOT (
        (OLD.state IN ('queued', 'retry') AND NEW.state = 'sending')
        OR (OLD.state = 'sending' AND NEW.state IN ('sent', 'retry', 'failed', 'uncertain'))
        OR (OLD.state = 'uncertain' AND NEW.state IN ('sent', 'queued'))
        OR (OLD.state = 'failed' AND NEW.state = 'queued')) THEN
        RAISE EXCEPTION 'outbox message %: state % cannot become %', OLD.id, OLD.state, NEW.state
            USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.state = 'sent' AND NEW IS DISTINCT FROM OLD THEN
        RAISE EXCEPTION 'outbox message % was sent: it is evidence and does not change', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER outbox_guard BEFORE UPDATE OR DELETE ON outbox
    FOR EACH ROW EXECUTE FUNCTION outbox_guard();
CREATE FUNCTION outbox_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%: % is not allowed (the outbox is the record of what was sent)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER outbox_no_truncate BEFORE TRUNCATE ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_refuse_change();

-- An attachment is added only with its message (in the transaction that queued it), only when
-- identity is verified, and never changes.
CREATE FUNCTION outbox_attachments_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    message outbox%ROWTYPE;
    ref text;
BEGIN
    SELECT * INTO message FROM outbox WHERE id = NEW.outbox_id;
    SELECT reference INTO ref FROM requests WHERE id = message.request_id;
    PERFORM dsrdesk_require_verified(message.request_id, 'an attachment for ' || ref);
    IF NOT message.carries_data THEN
        RAISE EXCEPTION 'outbox message %: an attachment carries data, so the message must be marked carries_data', message.id
            USING ERRCODE = 'check_violation';
    END IF;
    IF message.state <> 'queued' OR message.attempts <> 0
       OR (SELECT xmin FROM outbox WHERE id = NEW.outbox_id)::text::bigint
          <> pg_current_xact_id()::text::bigint % 4294967296 THEN
        RAISE EXCEPTION 'outbox message %: attachments are added only in the transaction that queues it', message.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER outbox_attachments_guard BEFORE INSERT ON outbox_attachments
    FOR EACH ROW EXECUTE FUNCTION outbox_attachments_guard();
CREATE TRIGGER outbox_attachments_append_only BEFORE UPDATE OR DELETE ON outbox_attachments
    FOR EACH ROW EXECUTE FUNCTION outbox_refuse_change();
CREATE TRIGGER outbox_attachments_no_truncate BEFORE TRUNCATE ON outbox_attachments
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_refuse_change();
