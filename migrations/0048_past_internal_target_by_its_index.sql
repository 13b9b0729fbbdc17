-- The overview's "past our internal target" count (migration 0044) by its index, whatever the
-- planner estimates. The estimate multiplies the share of running requests by the share of
-- internal dates before today over the whole table, which after a large intake said a quarter of
-- a million where there were 21,000; the planner then read all 3.2M requests (0.5 s, where the
-- index ranges take 40-70 ms even with many pages not yet marked all-visible by VACUUM). For
-- this count alone, a scan of the table is not an option.
CREATE FUNCTION dsrdesk_past_internal_target(today_se date, today_fi date) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE SET enable_seqscan = off AS $$
    SELECT (SELECT count(*) FROM requests
            WHERE status IN ('new', 'in_progress') AND jurisdiction = 'SE' AND internal_due_on < today_se)
         + (SELECT count(*) FROM requests
            WHERE status IN ('new', 'in_progress') AND jurisdiction = 'FI' AND internal_due_on < today_fi)
$$;
