-- Live replies (issue 15, "Replies you can see"): a reply's state on the request (queued,
-- sending, retry, failed, uncertain, sent) changes in the outbox, not in `requests`, so the desk
-- heard nothing until ctrl-r. The outbox now notifies the same channel as the requests trigger
-- (migrations/0001, 0010), with the same payload shape: the references of the requests whose
-- messages changed, or only a count for bulk work. `"source": "outbox"` says where it came from;
-- listeners that do not look at it refresh those requests as for any other change.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed_count bigint;
    refs jsonb;
BEGIN
    IF current_setting('dsrdesk.defer_notify', true) = 'on' THEN
        RETURN NULL;
    END IF;
    SELECT count(DISTINCT request_id) INTO changed_count FROM changed_rows;
    IF changed_count = 0 THEN
        RETURN NULL;
    END IF;
    IF changed_count <= 50 THEN
        SELECT jsonb_agg(DISTINCT r.reference) INTO refs
        FROM changed_rows c JOIN requests r ON r.id = c.request_id;
    END IF;
    PERFORM pg_notify('dsrdesk_requests', jsonb_build_object(
        'op', lower(TG_OP), 'count', changed_count, 'references', refs, 'source', 'outbox')::text);
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_notify_insert
    AFTER INSERT ON outbox REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
CREATE TRIGGER outbox_notify_update
    AFTER UPDATE ON outbox REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
