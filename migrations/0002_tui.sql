-- The terminal desk: what each operator has already seen, and the orders the queue screen offers.

-- When each operator last looked at the shift overview. "Changed since you last looked" lists the
-- events recorded after this moment. Keyed by the OS user that `Operator::from_os` reports.
CREATE TABLE operator_last_seen (
    operator   text PRIMARY KEY CHECK (operator <> ''),
    seen_at    timestamptz NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- The change feed reads the newest events first: without this it would scan the whole history.
CREATE INDEX request_events_by_recorded ON request_events (recorded_at, id);

-- The queue screen can sort by date of receipt as well as by due date, paged by keyset in both
-- directions; these mirror requests_open_by_due and requests_all_by_due.
CREATE INDEX requests_open_by_received ON requests (received_on, id)
    WHERE status IN ('new', 'in_progress', 'awaiting_information');
CREATE INDEX requests_all_by_received ON requests (received_on, id);
