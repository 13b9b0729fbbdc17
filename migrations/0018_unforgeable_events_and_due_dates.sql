-- The database as the last line of defence (issue 14 §1): what a login with psql must not be
-- able to choose, the database computes or checks itself.
--
-- 1. Events: who wrote an event and when are set here, whatever the client sent.
-- 2. Due dates: the stored legal due date must be the one the law gives (GDPR Art. 12(3) counted
--    per Reg. 1182/71 art. 3), computed here exactly as src/domain/deadline.rs and calendar.rs do.

-- 1. ---------------------------------------------------------------------------------------------
-- db_role is the login that really wrote the row (session_user: SET ROLE does not change it);
-- recorded_at is the server's clock at the start of the transaction (now(), as the column's
-- default always was); txid is the writing transaction (requests_require_event relies on it).
-- `actor` is the desk's operator name (the OS user running dsrdesk) and cannot be checked by the
-- database: it is a claim, and db_role beside it is the evidence.
-- The schema's owner (who could disable this trigger anyway) may write synthetic history (the
-- demo seed dates its events in the past); no other role may.
CREATE FUNCTION request_events_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT pg_has_role(session_user,
                       (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE') THEN
        NEW.db_role := session_user;
        NEW.recorded_at := now();
    END IF;
    NEW.txid := txid_current();
    RETURN NEW;
END $$;
CREATE TRIGGER request_events_stamp
    BEFORE INSERT ON request_events
    FOR EACH ROW EXECUTE FUNCTION request_events_stamp();

-- 2. ---------------------------------------------------------------------------------------------
-- Easter Sunday by the anonymous Gregorian (Meeus/Jones/Butcher) algorithm
-- (calendar::easter_sunday). DOMAIN.md: 2026-04-05, 2027-03-28, 2028-04-16.
CREATE FUNCTION dsrdesk_easter_sunday(year integer) RETURNS date
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    a int := year % 19;
    b int := year / 100;
    c int := year % 100;
    d int := b / 4;
    e int := b % 4;
    f int := (b + 8) / 25;
    g int := (b - f + 1) / 3;
    h int := (19 * a + b - d - g + 15) % 30;
    i int := c / 4;
    k int := c % 4;
    l int := (32 + 2 * e + 2 * i - h - k) % 7;
    m int := (a + 11 * h + 22 * l) / 451;
BEGIN
    RETURN make_date(year, (h + l - 7 * m + 114) / 31, (h + l - 7 * m + 114) % 31 + 1);
END $$;

-- Whether `day` is a working day of the controller's country (calendar::is_working_day):
-- not a Saturday or Sunday, not a public holiday (SE: lag 1989:253; FI: DOMAIN.md), and, when
-- the controller counts them (`eves_are_holidays`), not Midsummer Eve, Christmas Eve or New
-- Year's Eve. Holidays that always fall on a Saturday or Sunday (Easter Sunday, Pentecost,
-- Midsummer Day, All Saints' Day) are covered by the weekend test.
CREATE FUNCTION dsrdesk_is_working_day(j jurisdiction, day date, eves_are_holidays boolean)
RETURNS boolean LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    md text := to_char(day, 'MM-DD');
    easter date;
BEGIN
    IF extract(isodow FROM day) >= 6 THEN
        RETURN false;
    END IF;
    -- New Year's Day, Epiphany, May Day, Christmas Day, Boxing Day.
    IF md IN ('01-01', '01-06', '05-01', '12-25', '12-26') THEN
        RETURN false;
    END IF;
    IF (j = 'SE' AND md = '06-06')          -- Sweden's National Day
       OR (j = 'FI' AND md = '12-06') THEN  -- Finland's Independence Day
        RETURN false;
    END IF;
    -- The eves: Midsummer Eve is the Friday 19-25 June (the day before Midsummer Day).
    IF eves_are_holidays AND (md IN ('12-24', '12-31')
                              OR (md BETWEEN '06-19' AND '06-25' AND extract(isodow FROM day) = 5)) THEN
        RETURN false;
    END IF;
    -- Good Friday, Easter Monday and Ascension Day (Easter + 39) fall between 20 March and 3 June.
    IF md BETWEEN '03-20' AND '06-03' THEN
        easter := dsrdesk_easter_sunday(extract(year FROM day)::int);
        IF day IN (easter - 2, easter + 1, easter + 39) THEN
            RETURN false;
        END IF;
    END IF;
    RETURN true;
END $$;

-- The legal due date (deadline::legal_due_on): one month after receipt, three when extended
-- (Art. 12(3)); a month ends on the same date, or the month's last day when it has no such date
-- (Reg. 1182/71 art. 3(2)(c), which PostgreSQL's month arithmetic does); then the paused days;
-- then, if that day is not a working day, the next working day (art. 3(4)).
CREATE FUNCTION dsrdesk_legal_due_on(j jurisdiction, received_on date, extended boolean,
                                     paused_days integer, eves_are_holidays boolean)
RETURNS date LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    day date := (received_on + CASE WHEN extended THEN interval '3 months'
                                    ELSE interval '1 month' END)::date + paused_days;
BEGIN
    WHILE NOT dsrdesk_is_working_day(j, day, eves_are_holidays) LOOP
        day := day + 1;
    END LOOP;
    RETURN day;
END $$;

-- The receipt date is the calendar date in the controller's time zone (EDPB Guidelines 01/2022
-- §159; Jurisdiction::time_zone).
CREATE FUNCTION dsrdesk_local_date(j jurisdiction, at timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT (at AT TIME ZONE CASE j WHEN 'SE' THEN 'Europe/Stockholm' ELSE 'Europe/Helsinki' END)::date
$$;

-- A stored due date that disagrees with the law is refused. The controller's configuration is
-- not in the database: whether eves count as holidays (either calendar is accepted; the eves-off
-- one is the default) and the internal target of at most 90 days (config.rs), so the internal
-- date must be the legal one or receipt + paused days + 0..90 days.
CREATE FUNCTION requests_check_due_dates() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    extended boolean := NEW.extended_on IS NOT NULL;
    target integer;
BEGIN
    IF TG_OP = 'INSERT' AND NEW.received_on <> dsrdesk_local_date(NEW.jurisdiction, NEW.received_at) THEN
        RAISE EXCEPTION 'request %: received_on % is not the date of receipt % in the controller''s time zone',
            NEW.reference, NEW.received_on, NEW.received_at
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.due_on IS DISTINCT FROM dsrdesk_legal_due_on(NEW.jurisdiction, NEW.received_on, extended, NEW.paused_days, false)
       AND NEW.due_on IS DISTINCT FROM dsrdesk_legal_due_on(NEW.jurisdiction, NEW.received_on, extended, NEW.paused_days, true) THEN
        RAISE EXCEPTION 'request %: due_on % is not the legal due date %', NEW.reference, NEW.due_on,
            dsrdesk_legal_due_on(NEW.jurisdiction, NEW.received_on, extended, NEW.paused_days, false)
            USING ERRCODE = 'check_violation',
                  DETAIL = format('Art. 12(3): received %s, %s, %s paused days, then the next working day',
                                  NEW.received_on, CASE WHEN extended THEN 'extended (three months)'
                                                        ELSE 'one month' END, NEW.paused_days);
    END IF;
    target := NEW.internal_due_on - NEW.received_on - NEW.paused_days;
    IF NEW.internal_due_on <> NEW.due_on AND (target < 0 OR target > 90) THEN
        RAISE EXCEPTION 'request %: internal_due_on % is neither the legal due date nor an internal target of 0 to 90 days after receipt and pauses',
            NEW.reference, NEW.internal_due_on
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
-- Named to fire after requests_guard_update (BEFORE triggers run in name order), so that a change
-- the state machine refuses is refused with its own reason first.
CREATE TRIGGER requests_legal_due_dates
    BEFORE INSERT OR UPDATE OF due_on, internal_due_on, received_on, received_at, jurisdiction,
        extended_on, paused_days
    ON requests
    FOR EACH ROW EXECUTE FUNCTION requests_check_due_dates();
