-- Counts of open requests for the shift overview, kept by the database itself so that the overview
-- reads a few thousand summary rows instead of scanning every open request.
--
-- Writers never update a shared counter row (that would make every claim of the most urgent request
-- wait for the others): each statement that changes requests appends its net change as delta rows.
-- Readers add the compact table and the deltas in one snapshot; from time to time the deltas are
-- folded into the compact table (store::requests::compact_open_counts).

CREATE TABLE open_request_counts (
    jurisdiction jurisdiction   NOT NULL,
    kind         request_kind   NOT NULL,
    assignee     text           NOT NULL,  -- '' = unassigned
    paused       boolean        NOT NULL,  -- awaiting_information: the clock stands still
    due_on       date           NOT NULL,
    n            bigint         NOT NULL,
    PRIMARY KEY (jurisdiction, kind, assignee, paused, due_on)
);

CREATE TABLE open_request_count_deltas (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    jurisdiction jurisdiction   NOT NULL,
    kind         request_kind   NOT NULL,
    assignee     text           NOT NULL,
    paused       boolean        NOT NULL,
    due_on       date           NOT NULL,
    n            bigint         NOT NULL
);

CREATE FUNCTION open_counts_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO open_request_count_deltas (jurisdiction, kind, assignee, paused, due_on, n)
    SELECT jurisdiction, kind, coalesce(assignee, ''), status = 'awaiting_information', due_on, count(*)
    FROM inserted_rows
    WHERE status IN ('new', 'in_progress', 'awaiting_information')
    GROUP BY 1, 2, 3, 4, 5;
    RETURN NULL;
END $$;

CREATE FUNCTION open_counts_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO open_request_count_deltas (jurisdiction, kind, assignee, paused, due_on, n)
    SELECT j, k, a, p, d, sum(n)
    FROM (
        SELECT jurisdiction AS j, kind AS k, coalesce(assignee, '') AS a,
               status = 'awaiting_information' AS p, due_on AS d, -1 AS n
        FROM before_rows WHERE status IN ('new', 'in_progress', 'awaiting_information')
        UNION ALL
        SELECT jurisdiction, kind, coalesce(assignee, ''), status = 'awaiting_information', due_on, 1
        FROM after_rows WHERE status IN ('new', 'in_progress', 'awaiting_information')
    ) change
    GROUP BY 1, 2, 3, 4, 5
    HAVING sum(n) <> 0;
    RETURN NULL;
END $$;

CREATE FUNCTION open_counts_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO open_request_count_deltas (jurisdiction, kind, assignee, paused, due_on, n)
    SELECT jurisdiction, kind, coalesce(assignee, ''), status = 'awaiting_information', due_on, -count(*)
    FROM deleted_rows
    WHERE status IN ('new', 'in_progress', 'awaiting_information')
    GROUP BY 1, 2, 3, 4, 5;
    RETURN NULL;
END $$;

CREATE TRIGGER open_counts_insert AFTER INSERT ON requests
    REFERENCING NEW TABLE AS inserted_rows
    FOR EACH STATEMENT EXECUTE FUNCTION open_counts_after_insert();
CREATE TRIGGER open_counts_update AFTER UPDATE ON requests
    REFERENCING OLD TABLE AS before_rows NEW TABLE AS after_rows
    FOR EACH STATEMENT EXECUTE FUNCTION open_counts_after_update();
CREATE TRIGGER open_counts_delete AFTER DELETE ON requests
    REFERENCING OLD TABLE AS deleted_rows
    FOR EACH STATEMENT EXECUTE FUNCTION open_counts_after_delete();

INSERT INTO open_request_counts (jurisdiction, kind, assignee, paused, due_on, n)
SELECT jurisdiction, kind, coalesce(assignee, ''), status = 'awaiting_information', due_on, count(*)
FROM requests
WHERE status IN ('new', 'in_progress', 'awaiting_information')
GROUP BY 1, 2, 3, 4, 5;

-- "Claim next": the most urgent new request nobody holds, without walking past claimed ones.
CREATE INDEX requests_unclaimed_by_due ON requests (due_on, id)
    WHERE status = 'new' AND assignee IS NULL;
