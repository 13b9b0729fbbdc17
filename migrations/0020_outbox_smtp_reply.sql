-- Where a role must be trusted, the evidence is the other side's word (issue 14 §1): the worker
-- marks a reply sent, and only the SMTP server can say it took the message. Its reply to the end
-- of data (RFC 5321 §4.1.1.4: "250 2.0.0 Ok: queued as 4BC2F1A0C3" from postfix, "250 OK" and
-- the like elsewhere; the queue id is what the mail server's own log can be searched for) is
-- stored with the message and in its reply_sent event.
--
-- A message becomes `sent` only
--   * from `sending` (the sender's attempt), with the server's 2xx reply to the end of data, or
--   * from `uncertain`, by an operator's resolution (resolved_by/resolved_at, which the worker's
--     grants do not cover: scripts/roles.sql), the operator having checked the server's log;
-- and, for a role other than the schema's owner, with its event (reply_sent or
-- reply_resolved_sent) in the same transaction. A message is never stored already sent.

ALTER TABLE outbox ADD COLUMN smtp_reply text
    CONSTRAINT smtp_reply_is_one_server_reply CHECK (
        smtp_reply ~ '^[2-5][0-9][0-9]( |$)' AND smtp_reply !~ '[[:cntrl:]]' AND length(smtp_reply) <= 1000);
COMMENT ON COLUMN outbox.smtp_reply IS
    'the SMTP server''s reply to the end of data (code and text: the queue id) when it took the message';

CREATE FUNCTION outbox_sent_only_with_evidence() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
DECLARE
    ref text;
BEGIN
    IF NEW.state <> 'sent' OR (TG_OP = 'UPDATE' AND OLD.state = 'sent') THEN
        RETURN NEW;
    END IF;
    SELECT reference INTO ref FROM requests WHERE id = NEW.request_id;
    IF TG_OP = 'INSERT' THEN
        IF NOT dsrdesk_session_is_owner() THEN
            RAISE EXCEPTION 'outbox message for %: a message is queued, never stored as sent', ref
                USING ERRCODE = 'check_violation';
        END IF;
    ELSIF OLD.state = 'sending' THEN
        IF NEW.smtp_reply IS NULL OR NEW.smtp_reply !~ '^2' THEN
            RAISE EXCEPTION 'outbox message % for %: marked sent without the SMTP server''s reply accepting it', NEW.id, ref
                USING ERRCODE = 'check_violation';
        END IF;
    ELSIF OLD.state = 'uncertain' THEN
        IF NEW.resolved_at IS NOT DISTINCT FROM OLD.resolved_at OR NEW.resolved_by IS NULL THEN
            RAISE EXCEPTION 'outbox message % for %: an uncertain message is marked sent only by an operator''s resolution', NEW.id, ref
                USING ERRCODE = 'check_violation';
        END IF;
    ELSIF NOT dsrdesk_session_is_owner() THEN
        RAISE EXCEPTION 'outbox message % for %: a % message cannot be marked sent', NEW.id, ref, OLD.state
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER outbox_sent_only_with_evidence
    BEFORE INSERT OR UPDATE OF state ON outbox
    FOR EACH ROW EXECUTE FUNCTION outbox_sent_only_with_evidence();

-- Once sent, the row (its reply with it) never changes: migration 0007's guard.

CREATE FUNCTION outbox_sent_requires_event() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
BEGIN
    IF NEW.state = 'sent' AND OLD.state <> 'sent' THEN
        PERFORM dsrdesk_require_event(NEW.request_id, ARRAY['reply_sent', 'reply_resolved_sent'],
                                      'outbox message ' || NEW.id || ' marked sent');
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER outbox_sent_requires_event
    AFTER UPDATE ON outbox
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION outbox_sent_requires_event();
