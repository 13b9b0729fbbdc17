-- The report's facts (migration 0033) are written by triggers when a request or an event is
-- inserted. Under the desk's own logins (scripts/roles.sql) those inserts ran with the login's
-- rights, which have no write on request_report_facts — and must not: a login that could write
-- the facts could make the year's report say what the history does not. The trigger functions
-- run as the schema's owner instead (as the chain's does, migration 0031), with a fixed
-- search_path, so the facts follow the history and nothing else.
ALTER FUNCTION request_report_facts_requests() SECURITY DEFINER SET search_path = public, pg_catalog;
ALTER FUNCTION request_report_facts_events() SECURITY DEFINER SET search_path = public, pg_catalog;
REVOKE ALL ON FUNCTION request_report_facts_requests() FROM PUBLIC;
REVOKE ALL ON FUNCTION request_report_facts_events() FROM PUBLIC;
