-- `dsrdesk audit verify` in slices (issue 17, "audit verify over 3M events"): the walk of
-- migration 0031 for the requests whose id is in [lo, hi), so that the desk can walk disjoint
-- ranges on several connections at once, all reading one exported snapshot. The chains are per
-- request, so a slice holds whole chains and the slices' breaks together are the walk's breaks.
-- Each event still costs three SHA-256s and its content rebuilt; slicing only spreads them over
-- the server's cores.
CREATE FUNCTION dsrdesk_chain_breaks_between(lo bigint, hi bigint) RETURNS TABLE (
    request_id bigint, chain_seq bigint, event_id bigint,
    place_ok boolean, content_ok boolean, details_ok boolean, link_ok boolean, hash_ok boolean,
    tail_ok boolean)
LANGUAGE sql STABLE AS $$
    SELECT * FROM (
        SELECT e.request_id, e.chain_seq, e.id,
               e.chain_seq = coalesce(lag(e.chain_seq) OVER w, 0) + 1,
               e.content_sha256 = sha256(dsrdesk_event_content(e)),
               e.anonymised_at IS NOT NULL OR e.details_sha256 = dsrdesk_details_sha256(e.details),
               e.prev_sha256 = coalesce(lag(e.sha256) OVER w, dsrdesk_chain_genesis()),
               e.sha256 = dsrdesk_chain_step(e.prev_sha256, e.content_sha256),
               lead(e.id) OVER w IS NOT NULL
                   OR (h.chain_seq = e.chain_seq AND h.event_id = e.id AND h.sha256 = e.sha256)
                   IS TRUE
        FROM request_events e
        LEFT JOIN request_chain_heads h ON h.request_id = e.request_id
        WHERE e.request_id >= lo AND e.request_id < hi
        WINDOW w AS (PARTITION BY e.request_id ORDER BY e.chain_seq)
        UNION ALL
        -- A request (or a head) with no event left at all.
        SELECT coalesce(r.id, h.request_id), h.chain_seq, NULL, true, true, true, true, true, false
        FROM (SELECT id FROM requests WHERE id >= lo AND id < hi) r
        FULL JOIN (SELECT * FROM request_chain_heads WHERE request_chain_heads.request_id >= lo
                   AND request_chain_heads.request_id < hi) h ON h.request_id = r.id
        WHERE NOT EXISTS (SELECT 1 FROM request_events x WHERE x.request_id = coalesce(r.id, h.request_id))
    ) walk (request_id, chain_seq, event_id, place_ok, content_ok, details_ok, link_ok, hash_ok, tail_ok)
    WHERE NOT (place_ok AND content_ok AND details_ok AND link_ok AND hash_ok AND tail_ok)
    ORDER BY request_id, chain_seq
$$;

-- The whole walk, as before (the benchmark times it as the server's own figure).
CREATE OR REPLACE FUNCTION dsrdesk_chain_breaks() RETURNS TABLE (
    request_id bigint, chain_seq bigint, event_id bigint,
    place_ok boolean, content_ok boolean, details_ok boolean, link_ok boolean, hash_ok boolean,
    tail_ok boolean)
LANGUAGE sql STABLE AS $$
    SELECT * FROM dsrdesk_chain_breaks_between(-9223372036854775808, 9223372036854775807)
$$;
