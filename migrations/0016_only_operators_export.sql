-- Issue 14 §5: only operators export. The worker role (scripts/roles.sql) reads the ledger to
-- carry out follow-up erasures and appends events, so without this it could run `dsrdesk export`
-- and write the subject's access copy. An export is recorded by its `export_written` event, in
-- the same transaction as the file is given its name; a role that may not export cannot append
-- that event, so the export fails and its file is removed. The desk asks the same function first,
-- before it writes anything, to say so plainly.
--
-- May export: any role in a database without the dsrdesk roles (a single-user installation), the
-- owner and superusers, and members of dsrdesk_operator. May not: a member of dsrdesk_worker that
-- is not also an operator.
CREATE FUNCTION dsrdesk_may_export() RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'dsrdesk_worker') THEN
        RETURN true;
    END IF;
    IF NOT pg_has_role(session_user, 'dsrdesk_worker', 'MEMBER') THEN
        RETURN true;
    END IF;
    RETURN EXISTS (SELECT FROM pg_roles WHERE rolname = 'dsrdesk_operator')
        AND pg_has_role(session_user, 'dsrdesk_operator', 'MEMBER');
END $$;

CREATE FUNCTION refuse_export_by_non_operator() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
BEGIN
    IF NOT dsrdesk_may_export() THEN
        RAISE EXCEPTION 'role % may not export: only operators export the subject''s data', session_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER request_events_only_operators_export
    BEFORE INSERT ON request_events
    FOR EACH ROW WHEN (NEW.action = 'export_written')
    EXECUTE FUNCTION refuse_export_by_non_operator();
