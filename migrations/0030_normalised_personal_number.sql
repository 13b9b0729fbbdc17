-- A personal number is found in any written form (issue 15): 19940302-5340, 199403025340,
-- 9403025340 and 940302-5340 are one Swedish number; intake stored it as typed, so only the typed
-- form was found. The normal form (YYYYMMDD-NNNN for Sweden, the HETU as is, upper case) is kept
-- beside what was written, computed by the database from what was written, the jurisdiction and
-- the day of receipt, so no path of writing can store one without the other.
--
-- A 10-digit Swedish number has no century: it is the century that puts the birth date on or
-- before the day of receipt (the Swedish Tax Agency's rule; Folkbokföringslagen 18 §), one more
-- back when written with '+' (100 years or older). The same rule as domain/identity.rs.
CREATE FUNCTION dsrdesk_normal_identity_number(typed text, j jurisdiction, received date) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN t IS NULL OR t = '' THEN NULL
        -- Finnish HETU: DDMMYY, the century sign (- + A, and since 2023 B-F and U-Y), NNN, check.
        -- "811218-9876" has that shape and is also a Swedish number written short: read in the
        -- request's own jurisdiction first, as domain/identity.rs does.
        WHEN j = 'FI' AND t ~ '^[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-Y]$' THEN t
        WHEN d ~ '^[0-9]{12}$' THEN substr(d, 1, 8) || '-' || substr(d, 9, 4)
        WHEN d ~ '^[0-9]{10}$' THEN
            lpad((
                (extract(year FROM received)::int / 100) * 100 + substr(d, 1, 2)::int
                - CASE WHEN ((extract(year FROM received)::int / 100) * 100 + substr(d, 1, 2)::int) * 10000
                            + substr(d, 3, 4)::int > to_char(received, 'YYYYMMDD')::int
                       THEN 100 ELSE 0 END
                - CASE WHEN t LIKE '%+%' THEN 100 ELSE 0 END
            )::text, 4, '0') || substr(d, 3, 4) || '-' || substr(d, 7, 4)
        WHEN t ~ '^[0-9]{6}[-+A-FU-Y][0-9]{3}[0-9A-Y]$' THEN t
        ELSE t
    END
    FROM (SELECT upper(btrim(typed)) AS t, regexp_replace(typed, '[^0-9]', '', 'g') AS d) AS x
$$;

ALTER TABLE requests ADD COLUMN requester_number_normalized text
    GENERATED ALWAYS AS (dsrdesk_normal_identity_number(requester_personal_number, jurisdiction, received_on)) STORED;

-- The substring search looks in the normal form and in its digits alone, so every written form
-- of the number is a substring of what is searched.
CREATE FUNCTION dsrdesk_search_text(r requests) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT r.reference || ' ' || coalesce(r.requester_name, '') || ' ' || coalesce(r.requester_email, '')
        || ' ' || coalesce(r.requester_personal_number, '')
        || ' ' || coalesce(r.requester_number_normalized, '')
        || ' ' || coalesce(regexp_replace(r.requester_number_normalized, '[^0-9A-Z]', '', 'g'), '')
$$;

CREATE OR REPLACE FUNCTION request_search_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO request_search (request_id, name, text)
    SELECT n.id, n.requester_name, dsrdesk_search_text(n) FROM new_requests n;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION request_search_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE request_search SET name = NEW.requester_name, text = dsrdesk_search_text(NEW)
    WHERE request_id = NEW.id;
    RETURN NULL;
END $$;

UPDATE request_search s SET text = dsrdesk_search_text(r) FROM requests r WHERE r.id = s.request_id;
