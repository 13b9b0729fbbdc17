-- The request queue: requests, their append-only event history, the status state machine.
-- The database enforces what the service layer promises, so a change that bypasses dsrdesk
-- (psql, another tool) still cannot skip a state, rewrite history or change a request silently.

CREATE TYPE request_kind AS ENUM
    ('access', 'rectification', 'erasure', 'restriction', 'portability', 'objection');
CREATE TYPE request_status AS ENUM
    ('new', 'in_progress', 'awaiting_information', 'answered', 'refused', 'forwarded', 'withdrawn');
CREATE TYPE jurisdiction AS ENUM ('SE', 'FI');
CREATE TYPE request_channel AS ENUM ('email', 'letter', 'web', 'phone');

-- Allowed status changes. Mirrors RequestStatus::can_become (a test checks they agree).
CREATE TABLE status_transitions (
    from_status request_status NOT NULL,
    to_status   request_status NOT NULL,
    PRIMARY KEY (from_status, to_status)
);
INSERT INTO status_transitions (from_status, to_status) VALUES
    ('new', 'in_progress'), ('new', 'awaiting_information'), ('new', 'answered'),
    ('new', 'refused'), ('new', 'forwarded'), ('new', 'withdrawn'),
    ('in_progress', 'awaiting_information'), ('in_progress', 'answered'),
    ('in_progress', 'refused'), ('in_progress', 'forwarded'), ('in_progress', 'withdrawn'),
    ('awaiting_information', 'in_progress'), ('awaiting_information', 'refused'),
    ('awaiting_information', 'withdrawn');

-- DSR-YYYY-NNNNNN numbers are counted per year of receipt; intake reserves a block at a time.
CREATE TABLE reference_counters (
    year        integer PRIMARY KEY,
    last_number bigint  NOT NULL CHECK (last_number >= 0)
);

CREATE TABLE requests (
    id                        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- "C" collation: the reference sorts and prefix-matches byte-wise through its index.
    reference                 text COLLATE "C" NOT NULL UNIQUE
                              CHECK (reference ~ '^DSR-[0-9]{4}-[0-9]{6,}$'),
    external_id               text UNIQUE CHECK (external_id <> ''),
    kind                      request_kind   NOT NULL,
    status                    request_status NOT NULL DEFAULT 'new',
    jurisdiction              jurisdiction   NOT NULL,
    received_at               timestamptz    NOT NULL,
    -- The calendar date of receipt in the controller's time zone (Art. 12(3) counting starts here).
    received_on               date           NOT NULL,
    channel                   request_channel,
    language                  text CHECK (language IN ('sv', 'fi', 'en')),
    requester_name            text,
    requester_email           text,
    requester_personal_number text,
    requester_address         text,
    requester_phone           text,
    body                      text NOT NULL DEFAULT '',
    assignee                  text CHECK (assignee <> ''),
    extended_on               date,
    extension_reason          text,
    paused_days               integer NOT NULL DEFAULT 0 CHECK (paused_days >= 0),
    paused_since              date,
    pause_reason              text,
    -- Computed by the deadline engine (src/domain/deadline.rs) whenever its facts change;
    -- stored so that the queue can be read in due-date order through an index.
    due_on                    date NOT NULL,
    internal_due_on           date NOT NULL,
    version                   integer NOT NULL DEFAULT 1,
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now(),
    closed_at                 timestamptz,
    CONSTRAINT requester_named CHECK (requester_name IS NOT NULL OR requester_email IS NOT NULL),
    -- Reg. 1182/71: one month is never shorter than 28 days.
    CONSTRAINT due_at_least_28_days CHECK (due_on >= received_on + 28),
    CONSTRAINT internal_not_after_legal CHECK (internal_due_on <= due_on),
    CONSTRAINT extension_has_reason CHECK (
        (extended_on IS NULL AND extension_reason IS NULL)
        OR (extended_on IS NOT NULL AND extension_reason IS NOT NULL AND extension_reason <> '')),
    CONSTRAINT paused_iff_awaiting CHECK (
        (status = 'awaiting_information') = (paused_since IS NOT NULL)),
    CONSTRAINT closed_iff_final CHECK (
        (closed_at IS NULL) = (status IN ('new', 'in_progress', 'awaiting_information')))
);

-- The open queue in due-date order, with what the overview counts, readable from the index alone.
CREATE INDEX requests_open_by_due ON requests (due_on, id)
    INCLUDE (kind, status, jurisdiction, assignee)
    WHERE status IN ('new', 'in_progress', 'awaiting_information');
CREATE INDEX requests_all_by_due ON requests (due_on, id);
CREATE INDEX requests_open_by_assignee ON requests (assignee, due_on, id)
    WHERE status IN ('new', 'in_progress', 'awaiting_information');

-- The event history: who (OS user, SSH client, database role), when, what changed.
CREATE TABLE request_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id   bigint NOT NULL REFERENCES requests (id),
    -- When dsrdesk recorded it; `effective_at` is when it really happened (`--at`).
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    effective_at timestamptz NOT NULL DEFAULT now(),
    actor        text NOT NULL CHECK (actor <> ''),
    actor_client text,
    db_role      text NOT NULL DEFAULT current_user,
    action       text NOT NULL,
    details      jsonb NOT NULL DEFAULT '{}',
    -- The transaction that wrote it: lets the database check each change has its event.
    txid         bigint NOT NULL DEFAULT txid_current()
);
CREATE INDEX request_events_by_request ON request_events (request_id, id);

CREATE FUNCTION refuse_history_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'request_events is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER request_events_append_only
    BEFORE UPDATE OR DELETE ON request_events
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER request_events_no_truncate
    BEFORE TRUNCATE ON request_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();

-- Guard every update of a request: the state machine, fields that never change, the version.
CREATE FUNCTION requests_guard_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status <> OLD.status AND NOT EXISTS (
        SELECT 1 FROM status_transitions WHERE from_status = OLD.status AND to_status = NEW.status
    ) THEN
        RAISE EXCEPTION 'request %: status % cannot become %', OLD.reference, OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.reference <> OLD.reference OR NEW.kind <> OLD.kind
       OR NEW.jurisdiction <> OLD.jurisdiction OR NEW.received_at <> OLD.received_at
       OR NEW.received_on <> OLD.received_on
       OR NEW.external_id IS DISTINCT FROM OLD.external_id THEN
        RAISE EXCEPTION 'request %: reference, kind, jurisdiction and receipt never change', OLD.reference
            USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.extended_on IS NOT NULL AND NEW.extended_on IS DISTINCT FROM OLD.extended_on THEN
        RAISE EXCEPTION 'request %: an extension cannot be undone or repeated', OLD.reference
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.paused_days < OLD.paused_days THEN
        RAISE EXCEPTION 'request %: paused days never decrease', OLD.reference
            USING ERRCODE = 'check_violation';
    END IF;
    NEW.version := OLD.version + 1;
    NEW.updated_at := now();
    RETURN NEW;
END $$;
CREATE TRIGGER requests_guard_update
    BEFORE UPDATE ON requests
    FOR EACH ROW EXECUTE FUNCTION requests_guard_update();

-- Every change of a request is accompanied by an event written in the same transaction.
-- Checked at commit, so the service may write the event after the change.
CREATE FUNCTION requests_require_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM request_events
        WHERE request_id = NEW.id AND txid = txid_current()
    ) THEN
        RAISE EXCEPTION 'request %: changed without an event in the history', NEW.reference
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER requests_require_event
    AFTER INSERT OR UPDATE ON requests
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION requests_require_event();

-- NOTIFY listeners (the TUI) once per statement: the references changed, or a count for bulk work.
CREATE FUNCTION requests_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed_count bigint;
    refs jsonb;
BEGIN
    SELECT count(*) INTO changed_count FROM changed_rows;
    IF changed_count = 0 THEN
        RETURN NULL;
    END IF;
    IF changed_count <= 50 THEN
        SELECT jsonb_agg(reference) INTO refs FROM changed_rows;
    END IF;
    PERFORM pg_notify('dsrdesk_requests', jsonb_build_object(
        'op', lower(TG_OP), 'count', changed_count, 'references', refs)::text);
    RETURN NULL;
END $$;
CREATE TRIGGER requests_notify_insert
    AFTER INSERT ON requests REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION requests_notify();
CREATE TRIGGER requests_notify_update
    AFTER UPDATE ON requests REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION requests_notify();

-- Small facts about the database itself (e.g. that it holds seeded demo data).
CREATE TABLE dsrdesk_meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);
