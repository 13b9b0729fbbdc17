-- The report's facts (issue 17 §1, "correct at scale"): each request's history reduced, at the
-- insert of each event and in the same transaction, to what `dsrdesk report` counts — so the year's
-- report reads one narrow row per request instead of folding every event again, and can never
-- disagree with the history it comes from (nothing else writes this table).
--
-- What is kept is exactly what the event-history reading (store::report::HISTORIES_SQL, kept as the
-- reference) takes from the events, each event's date in the controller's time zone and in event
-- order, so that any period and any "today" give the figures that reading gives:
--   closings    status_changed to answered/refused/forwarded/withdrawn: the day, the status and the
--               refusal ground its reason cites (not the reason: it may name people, and the desk's
--               own retention, issue 17 §3, anonymises closed requests' texts)
--   extensions  Art. 12(3): the day and the reason given (the report lists the reasons)
--   pauses      Art. 12(6): the day information was asked for
--   resumptions the day it arrived and the days the clock stood still
--   assignments assigned/released: the day and to whom (an operator, not a data subject)
-- Written once at insert from the event as it was written; an event's details redacted later do not
-- change them, so anonymisation leaves the report's figures as they were.

-- The refusal's ground as domain::report::RefusalGround::of_reason reads it: the reason without
-- white space, in lower case; the article it names (Art. 12(5), 17(3)(b), 17(3)(e); 12(6) or 12(2)
-- for identity), else words for identity in en/sv/fi, else other. Only ASCII letters and "ö" occur
-- in the words looked for: lower() and the translate() below fold exactly those.
CREATE FUNCTION dsrdesk_refusal_ground(reason text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN strpos(s, '12(5)') > 0 THEN 'art12_5'
        WHEN strpos(s, '17(3)(b)') > 0 THEN 'art17_3b'
        WHEN strpos(s, '17(3)(e)') > 0 THEN 'art17_3e'
        WHEN strpos(s, '12(6)') > 0 OR strpos(s, '12(2)') > 0 OR strpos(s, 'identity') > 0
             OR strpos(s, 'identitet') > 0 OR strpos(s, 'henkilöllisyy') > 0 THEN 'identity'
        ELSE 'other'
    END
    FROM (SELECT translate(lower(regexp_replace(coalesce(reason, ''),
                 '[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\u0085]', '', 'g')),
                 'Ö', 'ö') AS s) AS compact
$$;

-- A number of days from an event's details, or NULL when it is not a plain integer (the facts
-- never refuse an event: the history is written whatever it says).
CREATE FUNCTION dsrdesk_details_days(value text) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN value ~ '^\s*-?[0-9]{1,9}\s*$' THEN value::integer END
$$;

CREATE TABLE request_report_facts (
    request_id      bigint PRIMARY KEY REFERENCES requests (id),
    -- Copied from the request at its insert; they never change (requests_guard_update).
    jurisdiction    jurisdiction NOT NULL,
    kind            request_kind NOT NULL,
    channel         text,
    received_on     date NOT NULL,
    -- Each list in event order (by event id), dates in the controller's time zone.
    closing_on      date[],
    closing_status  text[],
    closing_ground  text[],
    -- The first closing event's time: the requests closed before a period are left out of it.
    closing_at      timestamptz,
    extension_on    date[],
    extension_reason text[],
    paused_on       date[],
    resumed_on      date[],
    resumed_days    integer[],
    assigned_on     date[],
    assigned_to     text[],
    -- The first of each (the last assignment): what most requests need, read without the lists.
    closed_on       date GENERATED ALWAYS AS (closing_on[1]) STORED,
    closed_status   text GENERATED ALWAYS AS (closing_status[1]) STORED,
    closed_ground   text GENERATED ALWAYS AS (closing_ground[1]) STORED,
    extended_on     date GENERATED ALWAYS AS (extension_on[1]) STORED,
    extended_reason text GENERATED ALWAYS AS (extension_reason[1]) STORED,
    first_paused_on date GENERATED ALWAYS AS (paused_on[1]) STORED,
    first_resumed_on date GENERATED ALWAYS AS (resumed_on[1]) STORED,
    first_resumed_days integer GENERATED ALWAYS AS (greatest(coalesce(resumed_days[1], 0), 0)) STORED,
    operator        text GENERATED ALWAYS AS (assigned_to[cardinality(assigned_to)]) STORED,
    operator_on     date GENERATED ALWAYS AS (assigned_on[cardinality(assigned_on)]) STORED,
    closings        integer GENERATED ALWAYS AS (coalesce(cardinality(closing_on), 0)) STORED,
    extensions      integer GENERATED ALWAYS AS (coalesce(cardinality(extension_on), 0)) STORED,
    pauses          integer GENERATED ALWAYS AS (coalesce(cardinality(paused_on), 0)) STORED,
    resumptions     integer GENERATED ALWAYS AS (coalesce(cardinality(resumed_on), 0)) STORED,
    assignments     integer GENERATED ALWAYS AS (coalesce(cardinality(assigned_on), 0)) STORED,
    -- Closed once within 28 days of receipt, with at most one of each other event: never overdue
    -- on any day (the legal due date is at least 28 days after receipt, Reg. 1182/71 art. 3(2)(c))
    -- and counted by the report in the database whatever the period. The others (open, long
    -- running, several pauses or assignments) are counted one by one by domain::report.
    plain           boolean GENERATED ALWAYS AS (
        coalesce(cardinality(closing_on), 0) = 1
        AND closing_on[1] <= received_on + 28
        AND coalesce(cardinality(extension_on), 0) <= 1
        AND coalesce(cardinality(paused_on), 0) <= 1
        AND coalesce(cardinality(resumed_on), 0) <= 1
        AND coalesce(cardinality(assigned_on), 0) <= 1
        AND greatest(coalesce(resumed_days[1], 0), 0) <= 3650
        AND received_on < DATE '9000-01-01') STORED
);
-- The period: received by its end and not closed before it begins.
CREATE INDEX request_report_facts_received ON request_report_facts (received_on);
CREATE INDEX request_report_facts_closing ON request_report_facts ((coalesce(closing_at, 'infinity')));
-- The few counted one by one.
CREATE INDEX request_report_facts_not_plain ON request_report_facts (received_on) WHERE NOT plain;

-- A request's row, at its insert (one statement for a batch of intake).
CREATE FUNCTION request_report_facts_requests() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO request_report_facts (request_id, jurisdiction, kind, channel, received_on)
    SELECT id, jurisdiction, kind, channel::text, received_on FROM inserted_requests
    ON CONFLICT (request_id) DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER request_report_facts_requests
    AFTER INSERT ON requests
    REFERENCING NEW TABLE AS inserted_requests
    FOR EACH STATEMENT EXECUTE FUNCTION request_report_facts_requests();

-- The events of one statement, appended to their requests' lists in event order. AFTER: the
-- events as finally stored (the BEFORE triggers have run). Same transaction as the events.
CREATE FUNCTION request_report_facts_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO request_report_facts AS f (
        request_id, jurisdiction, kind, channel, received_on,
        closing_on, closing_status, closing_ground, closing_at, extension_on, extension_reason,
        paused_on, resumed_on, resumed_days, assigned_on, assigned_to)
    SELECT r.id, r.jurisdiction, r.kind, r.channel::text, r.received_on,
           a.closing_on, a.closing_status, a.closing_ground, a.closing_at, a.extension_on,
           a.extension_reason, a.paused_on, a.resumed_on, a.resumed_days, a.assigned_on, a.assigned_to
    FROM (
        SELECT e.request_id,
               array_agg(e.on_day ORDER BY e.id) FILTER (WHERE e.closing) AS closing_on,
               array_agg(e.details->>'to' ORDER BY e.id) FILTER (WHERE e.closing) AS closing_status,
               array_agg(dsrdesk_refusal_ground(e.details->>'reason') ORDER BY e.id)
                   FILTER (WHERE e.closing) AS closing_ground,
               (array_agg(e.effective_at ORDER BY e.id) FILTER (WHERE e.closing))[1] AS closing_at,
               array_agg(e.on_day ORDER BY e.id) FILTER (WHERE e.action = 'extended') AS extension_on,
               array_agg(e.details->>'reason' ORDER BY e.id)
                   FILTER (WHERE e.action = 'extended') AS extension_reason,
               array_agg(e.on_day ORDER BY e.id) FILTER (WHERE e.action = 'paused') AS paused_on,
               array_agg(e.on_day ORDER BY e.id) FILTER (WHERE e.action = 'resumed') AS resumed_on,
               array_agg(dsrdesk_details_days(e.details->>'paused_days') ORDER BY e.id)
                   FILTER (WHERE e.action = 'resumed') AS resumed_days,
               array_agg(e.on_day ORDER BY e.id)
                   FILTER (WHERE e.action IN ('assigned', 'released')) AS assigned_on,
               array_agg(e.details->>'to' ORDER BY e.id)
                   FILTER (WHERE e.action IN ('assigned', 'released')) AS assigned_to
        FROM (
            SELECT n.id, n.request_id, n.action, n.details, n.effective_at,
                   dsrdesk_local_date(q.jurisdiction, n.effective_at) AS on_day,
                   n.action = 'status_changed'
                       AND n.details->>'to' IN ('answered', 'refused', 'forwarded', 'withdrawn') AS closing
            FROM inserted_events n
            JOIN requests q ON q.id = n.request_id
            WHERE n.action IN ('status_changed', 'extended', 'paused', 'resumed', 'assigned', 'released')
        ) e
        WHERE e.action <> 'status_changed' OR e.closing
        GROUP BY e.request_id
    ) a
    JOIN requests r ON r.id = a.request_id
    ON CONFLICT (request_id) DO UPDATE SET
        closing_on = f.closing_on || EXCLUDED.closing_on,
        closing_status = f.closing_status || EXCLUDED.closing_status,
        closing_ground = f.closing_ground || EXCLUDED.closing_ground,
        closing_at = coalesce(f.closing_at, EXCLUDED.closing_at),
        extension_on = f.extension_on || EXCLUDED.extension_on,
        extension_reason = f.extension_reason || EXCLUDED.extension_reason,
        paused_on = f.paused_on || EXCLUDED.paused_on,
        resumed_on = f.resumed_on || EXCLUDED.resumed_on,
        resumed_days = f.resumed_days || EXCLUDED.resumed_days,
        assigned_on = f.assigned_on || EXCLUDED.assigned_on,
        assigned_to = f.assigned_to || EXCLUDED.assigned_to;
    RETURN NULL;
END $$;
CREATE TRIGGER request_report_facts_events
    AFTER INSERT ON request_events
    REFERENCING NEW TABLE AS inserted_events
    FOR EACH STATEMENT EXECUTE FUNCTION request_report_facts_events();

-- The history so far, the same way.
INSERT INTO request_report_facts (request_id, jurisdiction, kind, channel, received_on)
SELECT id, jurisdiction, kind, channel::text, received_on FROM requests;

UPDATE request_report_facts f
SET closing_on = a.closing_on, closing_status = a.closing_status, closing_ground = a.closing_ground,
    closing_at = a.closing_at, extension_on = a.extension_on, extension_reason = a.extension_reason,
    paused_on = a.paused_on, resumed_on = a.resumed_on, resumed_days = a.resumed_days,
    assigned_on = a.assigned_on, assigned_to = a.assigned_to
FROM (
    SELECT e.request_id,
           array_agg(e.on_day ORDER BY e.id) FILTER (WHERE e.closing) AS closing_on,
           array_agg(e.details->>'to' ORDER BY e.id) FILTER (WHERE e.closing) AS closing_status,
           array_agg(dsrdesk_refusal_ground(e.details->>'reason') ORDER BY e.id)
               FILTER (WHERE e.closing) AS closing_ground,
           (array_agg(e.effective_at ORDER BY e.id) FILTER (WHERE e.closing))[1] AS closing_at,
           array_agg(e.on_day ORDER BY e.id) FILTER (WHERE e.action = 'extended') AS extension_on,
           array_agg(e.details->>'reason' ORDER BY e.id)
               FILTER (WHERE e.action = 'extended') AS extension_reason,
           array_agg(e.on_day ORDER BY e.id) FILTER (WHERE e.action = 'paused') AS paused_on,
           array_agg(e.on_day ORDER BY e.id) FILTER (WHERE e.action = 'resumed') AS resumed_on,
           array_agg(dsrdesk_details_days(e.details->>'paused_days') ORDER BY e.id)
               FILTER (WHERE e.action = 'resumed') AS resumed_days,
           array_agg(e.on_day ORDER BY e.id)
               FILTER (WHERE e.action IN ('assigned', 'released')) AS assigned_on,
           array_agg(e.details->>'to' ORDER BY e.id)
               FILTER (WHERE e.action IN ('assigned', 'released')) AS assigned_to
    FROM (
        SELECT n.id, n.request_id, n.action, n.details, n.effective_at,
               dsrdesk_local_date(q.jurisdiction, n.effective_at) AS on_day,
               n.action = 'status_changed'
                   AND n.details->>'to' IN ('answered', 'refused', 'forwarded', 'withdrawn') AS closing
        FROM request_events n
        JOIN requests q ON q.id = n.request_id
        WHERE n.action IN ('status_changed', 'extended', 'paused', 'resumed', 'assigned', 'released')
    ) e
    WHERE e.action <> 'status_changed' OR e.closing
    GROUP BY e.request_id
) a
WHERE f.request_id = a.request_id;
