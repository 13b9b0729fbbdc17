-- Queue search by reference, name, e-mail or personal number in a few milliseconds at a million
-- requests. The search is a substring match (a DPO types "Öberg", "000123" or "19811218"), which
-- a B-tree cannot serve; a trigram index can. One index over all four fields keeps the write cost
-- of intake to one index entry set per request.
--
-- pg_trgm is in PostgreSQL's contrib and is a trusted extension (since PostgreSQL 13): the
-- database owner that runs the migrations may create it without superuser rights.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The searched text, one function so the index and the query spell it identically.
CREATE FUNCTION request_search_text(reference text, name text, email text, personal_number text)
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN reference || ' ' || coalesce(name, '') || ' ' || coalesce(email, '') || ' ' || coalesce(personal_number, '');

CREATE INDEX requests_search ON requests USING gin (
    request_search_text(reference, requester_name, requester_email, requester_personal_number) gin_trgm_ops
);
