-- How many messages wait in the inbox, kept by the database as messages arrive and are handled,
-- as the overview's counts are (0003). The inbox screen and the overview said it with count(*)
-- over the waiting messages: 25-30 ms at 100,000 waiting, more than a frame.
--
-- Each statement that changes how many wait appends its net change as one row; readers sum the
-- rows, and the worker folds them into one from time to time (store::inbox::fold_waiting_counts).
-- The triggers run as the schema's owner, so every role that takes in or handles mail keeps the
-- count without a right on the table. Messages are never deleted (0023).

CREATE TABLE inbox_waiting_counts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    n  bigint NOT NULL
);

CREATE FUNCTION inbox_waiting_after_insert() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO inbox_waiting_counts (n)
    SELECT count(*) FROM arrived WHERE state = 'new' HAVING count(*) <> 0;
    RETURN NULL;
END $$;

CREATE FUNCTION inbox_waiting_after_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO inbox_waiting_counts (n)
    SELECT change FROM (
        SELECT (SELECT count(*) FROM after_rows WHERE state = 'new')
             - (SELECT count(*) FROM before_rows WHERE state = 'new') AS change
    ) c
    WHERE change <> 0;
    RETURN NULL;
END $$;

CREATE TRIGGER inbox_waiting_insert AFTER INSERT ON inbox_messages
    REFERENCING NEW TABLE AS arrived
    FOR EACH STATEMENT EXECUTE FUNCTION inbox_waiting_after_insert();
CREATE TRIGGER inbox_waiting_update AFTER UPDATE ON inbox_messages
    REFERENCING OLD TABLE AS before_rows NEW TABLE AS after_rows
    FOR EACH STATEMENT EXECUTE FUNCTION inbox_waiting_after_update();

LOCK TABLE inbox_messages IN SHARE MODE;
INSERT INTO inbox_waiting_counts (n) SELECT count(*) FROM inbox_messages WHERE state = 'new';

-- The fold, as the owner: no role is given a right to write the count itself (a display figure,
-- but nobody's to set). Folds only when more than `threshold` rows have piled up, one session at
-- a time (others skip); rows appended meanwhile are not read, so not lost.
CREATE FUNCTION dsrdesk_fold_inbox_waiting_counts(threshold bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF (SELECT count(*) FROM (SELECT 1 FROM inbox_waiting_counts LIMIT threshold + 1) c) <= threshold
       OR NOT pg_try_advisory_xact_lock(724119004) THEN
        RETURN;
    END IF;
    WITH moved AS (DELETE FROM inbox_waiting_counts RETURNING n)
    INSERT INTO inbox_waiting_counts (n) SELECT coalesce(sum(n), 0) FROM moved;
END $$;
REVOKE ALL ON FUNCTION dsrdesk_fold_inbox_waiting_counts(bigint) FROM PUBLIC;
