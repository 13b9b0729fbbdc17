-- Mixed controller and processor data (GDPR Art. 28; seed 004 §6.2): when a request touches data
-- the agency holds as a client's processor, the agency answers its own part and the processor
-- part becomes a task on the request: tell the client, who is the controller and answers for it.
-- `done_at` is when the client was told (the request forwarded to it). One task per client.
CREATE TABLE processor_tasks (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id bigint NOT NULL REFERENCES requests (id),
    client     text NOT NULL CHECK (client <> ''),
    -- The client's privacy contact from the ledger, as named to the subject.
    contact    text,
    created_at timestamptz NOT NULL,
    done_at    timestamptz,
    done_by    text,
    CONSTRAINT processor_task_done_has_who CHECK ((done_at IS NULL) = (done_by IS NULL)),
    CONSTRAINT processor_task_one_per_client UNIQUE (request_id, client)
);

-- A ticked task stays ticked: it is the evidence that the client was told.
CREATE FUNCTION processor_tasks_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.done_at IS NOT NULL THEN
        RAISE EXCEPTION 'processor task % was already done', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.request_id <> OLD.request_id OR NEW.client <> OLD.client THEN
        RAISE EXCEPTION 'processor task %: only the contact, done_at and done_by change', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER processor_tasks_guard BEFORE UPDATE ON processor_tasks
    FOR EACH ROW EXECUTE FUNCTION processor_tasks_guard();
CREATE TRIGGER processor_tasks_no_delete BEFORE DELETE ON processor_tasks
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
