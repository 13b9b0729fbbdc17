-- Art. 19 (issue 15): a rectification made in two steps (the street, then the postcode) told the
-- same recipients twice — two open tasks each. A recipient with an open task of the same kind for
-- the request now has that task widened to the new sources instead; once a task is ticked off it
-- is evidence and stays as it was, and a later change makes a new task (they must be told again).
-- The guard of migration 0006 let only done_at/done_by change; it now also lets an open task's
-- sources grow (never shrink, never on a done task).
CREATE OR REPLACE FUNCTION recipient_tasks_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.done_at IS NOT NULL THEN
        RAISE EXCEPTION 'recipient task % was already done', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.request_id <> OLD.request_id OR NEW.recipient <> OLD.recipient OR NEW.reason <> OLD.reason
       OR NOT (NEW.sources @> OLD.sources)
       OR (NEW.sources <> OLD.sources AND NEW.done_at IS NOT NULL) THEN
        RAISE EXCEPTION 'recipient task %: only done_at and done_by change (and an open task''s sources grow)', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
