-- The inbox (issue 16): e-mails to the controller's privacy mailboxes, taken in by
-- `dsrdesk mail fetch` exactly once and kept raw as evidence.
--
-- Art. 12(3) and DOMAIN.md "The deadline": the clock starts when a request reaches an official
-- channel, known to the DPO or not. A message's time of receipt is therefore the server's arrival
-- time (IMAP INTERNALDATE, the Maildir delivery time), never the sender's Date header nor the
-- moment dsrdesk fetched it; `received_on` is that instant's date in the controller's time zone.
--
-- States:
--   new            not yet handled: the inbox shows it, oldest first
--   made_request   one or more requests were made from it (it is their original)
--   attached       attached to an existing request (the subject's answer, a reply to our mail)
--   not_a_request  looked at and set aside, with the reason

CREATE TABLE inbox_messages (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The configured `[[mailboxes]] name` and its controller (the request's jurisdiction).
    mailbox         text NOT NULL CHECK (mailbox ~ '^[A-Za-z0-9_.-]{1,64}$'),
    jurisdiction    jurisdiction NOT NULL,
    -- IMAP: the message is this (UIDVALIDITY, UID) of the mailbox, never taken twice.
    uid_validity    bigint CHECK (uid_validity > 0),
    uid             bigint CHECK (uid > 0),
    -- Maildir: the file's unique name (before the ":2," flags), never taken twice.
    maildir_key     text CHECK (maildir_key <> '' AND maildir_key !~ '[/[:cntrl:]]'),
    -- The bytes as received (for a too-large message: its header only), their digest and the
    -- full size the server gave. The digest is checked here, so it is always the bytes'.
    raw             bytea NOT NULL,
    sha256          text NOT NULL UNIQUE,
    size            bigint NOT NULL CHECK (size >= 0),
    too_large       boolean NOT NULL DEFAULT false,
    received_at     timestamptz NOT NULL,
    received_on     date NOT NULL,
    -- What was parsed. One-line fields hold no control character (header injection, terminal
    -- escapes): the parser escapes them before they get here.
    from_name       text,
    from_address    text,
    reply_to        text,
    to_addresses    text,
    subject         text,
    sent_date       timestamptz,
    message_id      text,
    in_reply_to     text[] NOT NULL DEFAULT '{}',
    "references"    text[] NOT NULL DEFAULT '{}',
    body_text       text NOT NULL DEFAULT '',
    -- Why parsing was partial (bad charset, too deep, too large), for the operator.
    parse_notes     text[] NOT NULL DEFAULT '{}',
    state           text NOT NULL DEFAULT 'new'
                    CHECK (state IN ('new', 'made_request', 'attached', 'not_a_request')),
    not_a_request_reason text,
    fetched_at      timestamptz NOT NULL DEFAULT now(),
    version         integer NOT NULL DEFAULT 1,
    CONSTRAINT sha256_is_of_raw CHECK (sha256 = encode(sha256(raw), 'hex')),
    CONSTRAINT imap_or_maildir CHECK (
        (uid_validity IS NOT NULL AND uid IS NOT NULL AND maildir_key IS NULL)
        OR (uid_validity IS NULL AND uid IS NULL AND maildir_key IS NOT NULL)),
    CONSTRAINT one_line_fields CHECK (
        coalesce(from_name, '') !~ '[[:cntrl:]]' AND coalesce(from_address, '') !~ '[[:cntrl:][:space:]]'
        AND coalesce(reply_to, '') !~ '[[:cntrl:][:space:]]' AND coalesce(to_addresses, '') !~ '[[:cntrl:]]'
        AND coalesce(subject, '') !~ '[[:cntrl:]]' AND coalesce(message_id, '') !~ '[[:cntrl:][:space:]]'),
    -- A message set aside has its reason; one made a request later keeps it (its history too).
    CONSTRAINT not_a_request_has_reason CHECK (
        state <> 'not_a_request' OR (not_a_request_reason IS NOT NULL AND not_a_request_reason <> ''))
);
CREATE UNIQUE INDEX inbox_messages_imap_uid ON inbox_messages (mailbox, uid_validity, uid)
    WHERE uid IS NOT NULL;
CREATE UNIQUE INDEX inbox_messages_maildir_key ON inbox_messages (mailbox, maildir_key)
    WHERE maildir_key IS NOT NULL;
-- The inbox screen: what is not yet handled, oldest first.
CREATE INDEX inbox_messages_waiting ON inbox_messages (received_at, id) WHERE state = 'new';
CREATE INDEX inbox_messages_by_message_id ON inbox_messages (message_id) WHERE message_id IS NOT NULL;

-- Attachments: stored, never opened (a zip bomb stays a blob).
CREATE TABLE inbox_attachments (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id   bigint NOT NULL REFERENCES inbox_messages (id),
    position     integer NOT NULL CHECK (position >= 0),
    file_name    text NOT NULL CHECK (file_name <> '' AND file_name !~ '[[:cntrl:]/\\]'),
    content_type text NOT NULL CHECK (content_type <> '' AND content_type !~ '[[:cntrl:][:space:]]'),
    size         bigint NOT NULL CHECK (size >= 0),
    sha256       text NOT NULL,
    content      bytea NOT NULL,
    CONSTRAINT sha256_is_of_content CHECK (sha256 = encode(sha256(content), 'hex')),
    CONSTRAINT size_is_of_content CHECK (size = octet_length(content)),
    UNIQUE (message_id, position)
);

-- Which requests a message belongs to: the original it was made from, or attached later.
CREATE TABLE inbox_message_requests (
    message_id  bigint NOT NULL REFERENCES inbox_messages (id),
    request_id  bigint NOT NULL REFERENCES requests (id),
    role        text NOT NULL CHECK (role IN ('original', 'attached')),
    linked_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, request_id)
);
CREATE INDEX inbox_message_requests_by_request ON inbox_message_requests (request_id, message_id);

-- How far each IMAP mailbox has been read: advanced in the transaction that stores the message,
-- so a SIGKILL between fetching and committing loses nothing and duplicates nothing.
CREATE TABLE inbox_cursors (
    mailbox      text NOT NULL,
    uid_validity bigint NOT NULL CHECK (uid_validity > 0),
    last_uid     bigint NOT NULL CHECK (last_uid >= 0),
    PRIMARY KEY (mailbox, uid_validity)
);

-- The message's history: append-only, like request_events.
CREATE TABLE inbox_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id   bigint NOT NULL REFERENCES inbox_messages (id),
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    actor        text NOT NULL CHECK (actor <> ''),
    actor_client text,
    db_role      text NOT NULL DEFAULT session_user,
    action       text NOT NULL CHECK (action <> ''),
    details      jsonb NOT NULL DEFAULT '{}',
    txid         bigint NOT NULL DEFAULT txid_current()
);
CREATE INDEX inbox_events_by_message ON inbox_events (message_id, id);

CREATE FUNCTION inbox_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%: % is not allowed (the inbox is evidence of what arrived)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER inbox_events_append_only BEFORE UPDATE OR DELETE ON inbox_events
    FOR EACH ROW EXECUTE FUNCTION inbox_refuse_change();
CREATE TRIGGER inbox_attachments_append_only BEFORE UPDATE OR DELETE ON inbox_attachments
    FOR EACH ROW EXECUTE FUNCTION inbox_refuse_change();
CREATE TRIGGER inbox_message_requests_append_only BEFORE UPDATE OR DELETE ON inbox_message_requests
    FOR EACH ROW EXECUTE FUNCTION inbox_refuse_change();
CREATE TRIGGER inbox_messages_no_delete BEFORE DELETE ON inbox_messages
    FOR EACH ROW EXECUTE FUNCTION inbox_refuse_change();
CREATE TRIGGER inbox_messages_no_truncate BEFORE TRUNCATE ON inbox_messages
    FOR EACH STATEMENT EXECUTE FUNCTION inbox_refuse_change();
CREATE TRIGGER inbox_events_no_truncate BEFORE TRUNCATE ON inbox_events
    FOR EACH STATEMENT EXECUTE FUNCTION inbox_refuse_change();

-- The event's writer and time are the database's, as for request_events (migration 0018).
CREATE FUNCTION inbox_events_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT pg_has_role(session_user,
                       (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
        NEW.db_role := session_user;
        NEW.recorded_at := now();
    END IF;
    NEW.txid := txid_current();
    RETURN NEW;
END $$;
CREATE TRIGGER inbox_events_stamp BEFORE INSERT ON inbox_events
    FOR EACH ROW EXECUTE FUNCTION inbox_events_stamp();

-- What arrived never changes: only the state (forward, with its reason) and the version move.
CREATE FUNCTION inbox_messages_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.mailbox, NEW.jurisdiction, NEW.uid_validity, NEW.uid, NEW.maildir_key, NEW.raw, NEW.sha256,
        NEW.size, NEW.too_large, NEW.received_at, NEW.received_on, NEW.from_name, NEW.from_address,
        NEW.reply_to, NEW.to_addresses, NEW.subject, NEW.sent_date, NEW.message_id, NEW.in_reply_to,
        NEW."references", NEW.body_text, NEW.parse_notes, NEW.fetched_at)
       IS DISTINCT FROM
       (OLD.mailbox, OLD.jurisdiction, OLD.uid_validity, OLD.uid, OLD.maildir_key, OLD.raw, OLD.sha256,
        OLD.size, OLD.too_large, OLD.received_at, OLD.received_on, OLD.from_name, OLD.from_address,
        OLD.reply_to, OLD.to_addresses, OLD.subject, OLD.sent_date, OLD.message_id, OLD.in_reply_to,
        OLD."references", OLD.body_text, OLD.parse_notes, OLD.fetched_at) THEN
        RAISE EXCEPTION 'inbox message %: what arrived never changes', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    -- A handled message may gain more requests (made_request -> attached is not a step back),
    -- and one set aside may still become a request; nothing goes back to `new`.
    IF NEW.state <> OLD.state AND NEW.state = 'new' THEN
        RAISE EXCEPTION 'inbox message %: a handled message does not become new again', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    NEW.version := OLD.version + 1;
    RETURN NEW;
END $$;
CREATE TRIGGER inbox_messages_guard BEFORE UPDATE ON inbox_messages
    FOR EACH ROW EXECUTE FUNCTION inbox_messages_guard();

-- Every arrival and every change of state has its event, written in the same transaction.
CREATE FUNCTION inbox_messages_require_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM inbox_events WHERE message_id = NEW.id AND txid = txid_current()) THEN
        RAISE EXCEPTION 'inbox message %: changed without an event in its history', NEW.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER inbox_messages_require_event
    AFTER INSERT OR UPDATE ON inbox_messages
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION inbox_messages_require_event();

-- The desk listens: a new message or a handled one changes the inbox screen and the overview.
CREATE FUNCTION inbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('dsrdesk_inbox', lower(TG_OP));
    RETURN NULL;
END $$;
CREATE TRIGGER inbox_messages_notify AFTER INSERT OR UPDATE ON inbox_messages
    FOR EACH STATEMENT EXECUTE FUNCTION inbox_notify();
