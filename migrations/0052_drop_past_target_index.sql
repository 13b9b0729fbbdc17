-- Since 0049 the overview's "past our internal target" count comes from the summary the database
-- keeps (open_request_counts and its deltas). 0044's index served only the count before that, yet
-- every intake and every change to a running request still wrote to it (one index of twelve on
-- requests): it goes.
DROP INDEX requests_running_by_controller_internal_due;

-- 0048's function stays for a desk of an earlier version still running during an upgrade, but
-- without that index its body (which forbade a scan of the table) would read the whole table. It
-- now counts from the same summary the overview reads: the running requests (not paused) whose
-- internal target is before their controller's today, the same count.
CREATE OR REPLACE FUNCTION dsrdesk_past_internal_target(today_se date, today_fi date) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(sum(n), 0)::bigint
    FROM (SELECT jurisdiction, paused, internal_due_on, n FROM open_request_counts
          UNION ALL
          SELECT jurisdiction, paused, internal_due_on, n FROM open_request_count_deltas) c
    WHERE NOT paused
      AND internal_due_on < CASE jurisdiction WHEN 'SE' THEN today_se ELSE today_fi END
$$;
COMMENT ON FUNCTION dsrdesk_past_internal_target(date, date) IS
    'Before 0049: the overview''s past-target count; kept for desks of earlier versions, read from open_request_counts since 0052.';
