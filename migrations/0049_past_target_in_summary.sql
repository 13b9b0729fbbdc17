-- The overview's "past our internal target" count from the summary the database keeps (0003),
-- not from the requests. Counted from the requests (0044, 0048), its cost grew with the number
-- of requests past their target: 37,000 index entries at 3.2M requests, 36 ms, against 8 ms at
-- 1M. The summary is keyed by dates, so it holds a row per day rather than per request: the
-- internal target date joins its key, and the overview sums the running rows (not paused) whose
-- internal date is before their controller's today in the same statement as the other counts.

LOCK TABLE requests IN SHARE MODE;
TRUNCATE open_request_count_deltas, open_request_counts;

ALTER TABLE open_request_counts ADD COLUMN internal_due_on date NOT NULL;
ALTER TABLE open_request_counts DROP CONSTRAINT open_request_counts_pkey;
ALTER TABLE open_request_counts
    ADD PRIMARY KEY (jurisdiction, kind, assignee, paused, due_on, internal_due_on);
ALTER TABLE open_request_count_deltas ADD COLUMN internal_due_on date NOT NULL;

CREATE OR REPLACE FUNCTION open_counts_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO open_request_count_deltas (jurisdiction, kind, assignee, paused, due_on, internal_due_on, n)
    SELECT jurisdiction, kind, coalesce(assignee, ''), status = 'awaiting_information', due_on,
           internal_due_on, count(*)
    FROM inserted_rows
    WHERE status IN ('new', 'in_progress', 'awaiting_information')
    GROUP BY 1, 2, 3, 4, 5, 6;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION open_counts_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO open_request_count_deltas (jurisdiction, kind, assignee, paused, due_on, internal_due_on, n)
    SELECT j, k, a, p, d, i, sum(n)
    FROM (
        SELECT jurisdiction AS j, kind AS k, coalesce(assignee, '') AS a,
               status = 'awaiting_information' AS p, due_on AS d, internal_due_on AS i, -1 AS n
        FROM before_rows WHERE status IN ('new', 'in_progress', 'awaiting_information')
        UNION ALL
        SELECT jurisdiction, kind, coalesce(assignee, ''), status = 'awaiting_information', due_on,
               internal_due_on, 1
        FROM after_rows WHERE status IN ('new', 'in_progress', 'awaiting_information')
    ) change
    GROUP BY 1, 2, 3, 4, 5, 6
    HAVING sum(n) <> 0;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION open_counts_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO open_request_count_deltas (jurisdiction, kind, assignee, paused, due_on, internal_due_on, n)
    SELECT jurisdiction, kind, coalesce(assignee, ''), status = 'awaiting_information', due_on,
           internal_due_on, -count(*)
    FROM deleted_rows
    WHERE status IN ('new', 'in_progress', 'awaiting_information')
    GROUP BY 1, 2, 3, 4, 5, 6;
    RETURN NULL;
END $$;

INSERT INTO open_request_counts (jurisdiction, kind, assignee, paused, due_on, internal_due_on, n)
SELECT jurisdiction, kind, coalesce(assignee, ''), status = 'awaiting_information', due_on,
       internal_due_on, count(*)
FROM requests
WHERE status IN ('new', 'in_progress', 'awaiting_information')
GROUP BY 1, 2, 3, 4, 5, 6;

-- Kept for a desk of the previous version still running during an upgrade; this version reads
-- the summary.
COMMENT ON FUNCTION dsrdesk_past_internal_target(date, date) IS
    'Before 0049: the overview''s past-target count from the requests; now read from open_request_counts.';
