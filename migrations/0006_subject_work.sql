-- Working on a subject's data: which ledger persons a request is about, what was done to their
-- data (the record the database gates on identity verification), follow-up erasures, and the
-- Art. 19 notices to recipients. Ledger persons are named by the data map's id, as text: dsrdesk
-- does not know the agency's key type.

-- The DPO's choice of the ledger persons a request is about (never an ambiguous match by itself).
CREATE TABLE request_subjects (
    request_id    bigint NOT NULL REFERENCES requests (id),
    person_id     text NOT NULL CHECK (person_id <> ''),
    match_reasons text[] NOT NULL,
    linked_by     text NOT NULL CHECK (linked_by <> ''),
    linked_at     timestamptz NOT NULL,
    PRIMARY KEY (request_id, person_id)
);
CREATE INDEX request_subjects_by_person ON request_subjects (person_id, request_id);

-- What was done to a subject's data for a request. Append-only evidence.
CREATE TABLE subject_actions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id  bigint NOT NULL REFERENCES requests (id),
    action      text NOT NULL CHECK (action IN ('erasure', 'rectification', 'restriction',
                    'restriction_lifted', 'marketing_opt_out', 'objection_decision')),
    person_id   text,
    details     jsonb NOT NULL DEFAULT '{}',
    actor       text NOT NULL CHECK (actor <> ''),
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subject_actions_by_request ON subject_actions (request_id, id);
CREATE TRIGGER subject_actions_append_only
    BEFORE UPDATE OR DELETE ON subject_actions
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();

-- Art. 12(6): no erasure, rectification or restriction before identity is verified. Checked here
-- as well as in the service, so nothing acts on someone's data for an unverified requester. An
-- opt-out of direct marketing (Art. 21(3)) and the DPO's recorded decision on an objection do not
-- act on the data and are not gated.
CREATE FUNCTION subject_actions_require_verified() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ref text;
BEGIN
    IF NEW.action IN ('erasure', 'rectification', 'restriction', 'restriction_lifted') THEN
        SELECT reference INTO ref FROM requests WHERE id = NEW.request_id;
        PERFORM dsrdesk_require_verified(NEW.request_id, NEW.action || ' for ' || ref);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER subject_actions_require_verified
    BEFORE INSERT ON subject_actions
    FOR EACH ROW EXECUTE FUNCTION subject_actions_require_verified();

-- The follow-up of an erasure that had to keep something: due the day the last hold lapses, or
-- (due_on NULL) re-examined every day while a hold lasts until an event such as payment.
CREATE TABLE scheduled_erasures (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id      bigint NOT NULL REFERENCES requests (id),
    due_on          date,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_checked_on date,
    done_at         timestamptz,
    outcome         text,
    CONSTRAINT done_has_outcome CHECK ((done_at IS NULL) = (outcome IS NULL))
);
CREATE UNIQUE INDEX scheduled_erasures_one_pending ON scheduled_erasures (request_id) WHERE done_at IS NULL;
CREATE INDEX scheduled_erasures_due ON scheduled_erasures (due_on) WHERE done_at IS NULL;

-- Art. 19: each recipient of affected data is told of a rectification, erasure or restriction.
CREATE TABLE recipient_tasks (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id bigint NOT NULL REFERENCES requests (id),
    recipient  text NOT NULL CHECK (recipient <> ''),
    reason     text NOT NULL CHECK (reason IN ('erasure', 'rectification', 'restriction', 'restriction_lifted')),
    sources    text[] NOT NULL,
    created_at timestamptz NOT NULL,
    done_at    timestamptz,
    done_by    text,
    CONSTRAINT done_has_who CHECK ((done_at IS NULL) = (done_by IS NULL))
);
CREATE INDEX recipient_tasks_by_request ON recipient_tasks (request_id, id);

-- A ticked task stays ticked: it is the evidence that the recipient was told.
CREATE FUNCTION recipient_tasks_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.done_at IS NOT NULL THEN
        RAISE EXCEPTION 'recipient task % was already done', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.request_id <> OLD.request_id OR NEW.recipient <> OLD.recipient
       OR NEW.reason <> OLD.reason OR NEW.sources <> OLD.sources THEN
        RAISE EXCEPTION 'recipient task %: only done_at and done_by change', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER recipient_tasks_guard BEFORE UPDATE ON recipient_tasks
    FOR EACH ROW EXECUTE FUNCTION recipient_tasks_guard();
CREATE TRIGGER recipient_tasks_no_delete BEFORE DELETE ON recipient_tasks
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
