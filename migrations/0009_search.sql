-- Queue search among a million requests in milliseconds (see domain/search.rs for how a term is
-- read): a whole reference by the unique index; a name by its words in a full-text index, whose
-- statistics also tell the planner when a common name ("Larsson") is better found by walking the
-- queue in order; anything else (part of a reference, a personal number, an e-mail address) as a
-- substring, which a B-tree cannot serve and a trigram index can.
--
-- The searched text lives in a table of its own, written once when a request arrives. Kept on
-- `requests`, every change of status or assignee (a new row version that is not HOT, since both
-- are indexed) would also write dozens of entries into the two inverted indexes: a third of the
-- cost of a claim.
--
-- pg_trgm is in PostgreSQL's contrib and is a trusted extension (since PostgreSQL 13): the
-- database owner that runs the migrations may create it without superuser rights.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE request_search (
    request_id bigint PRIMARY KEY REFERENCES requests (id) ON DELETE CASCADE,
    name       text,
    -- reference, name, e-mail and personal number: what a substring search looks in.
    text       text NOT NULL
);

-- The requests received before this migration; the indexes are built after, in one pass.
INSERT INTO request_search (request_id, name, text)
SELECT id, requester_name,
       reference || ' ' || coalesce(requester_name, '') || ' ' || coalesce(requester_email, '')
           || ' ' || coalesce(requester_personal_number, '')
FROM requests;

CREATE INDEX request_search_name_words ON request_search USING gin (to_tsvector('simple', coalesce(name, '')));
CREATE INDEX request_search_text ON request_search USING gin (text gin_trgm_ops);

CREATE FUNCTION request_search_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO request_search (request_id, name, text)
    SELECT id, requester_name,
           reference || ' ' || coalesce(requester_name, '') || ' ' || coalesce(requester_email, '')
               || ' ' || coalesce(requester_personal_number, '')
    FROM new_requests;
    RETURN NULL;
END $$;
CREATE TRIGGER requests_search_insert
    AFTER INSERT ON requests REFERENCING NEW TABLE AS new_requests
    FOR EACH STATEMENT EXECUTE FUNCTION request_search_insert();

-- Nothing updates the requester's details today; should anything, the search follows.
CREATE FUNCTION request_search_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE request_search
    SET name = NEW.requester_name,
        text = NEW.reference || ' ' || coalesce(NEW.requester_name, '') || ' ' || coalesce(NEW.requester_email, '')
               || ' ' || coalesce(NEW.requester_personal_number, '')
    WHERE request_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER requests_search_update
    AFTER UPDATE OF requester_name, requester_email, requester_personal_number ON requests
    FOR EACH ROW EXECUTE FUNCTION request_search_update();
