-- Search among a million requests (issue 18): two costs measured at 1.3M requests.
--
-- 1. A name is searched word by word, each word as the beginning of a word of the name ("lars"
--    finds "Larsson"). As a full-text prefix query (`lars:* & magnusson:*`, 0009) the index
--    gathers every entry that begins with "lars" (Lars, Larsson, ...: 65,000 requests) before it
--    can combine them: 16 ms. Here every beginning of every word of the name is an entry of its
--    own, so each typed word is one exact entry and the index combines them cheaply (3 ms for
--    the same search). The words are those of the same full-text parser as before, so what a
--    search finds is unchanged.
-- 2. The queue reads the paused requests apart (0021: they are ordered by the date they show),
--    so a search ran twice over all requests. The search rows now say whether their request is
--    paused, and small indexes over the paused ones answer the second part.

-- Every beginning (1 letter up to the whole) of every word of the name, lower-cased.
CREATE FUNCTION dsrdesk_name_prefixes(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT left(word, n)), '{}')
    FROM unnest(tsvector_to_array(to_tsvector('simple', coalesce(name, '')))) AS word,
         generate_series(1, length(word)) AS n
$$;

ALTER TABLE request_search ADD COLUMN paused boolean NOT NULL DEFAULT false;
UPDATE request_search s SET paused = true
FROM requests r WHERE r.id = s.request_id AND r.pause_offset IS NOT NULL;

DROP INDEX request_search_name_words;
-- Pending lists kept small (0045).
CREATE INDEX request_search_name_prefixes ON request_search USING gin (dsrdesk_name_prefixes(name))
    WITH (gin_pending_list_limit = 64);
CREATE INDEX request_search_paused_name_prefixes ON request_search USING gin (dsrdesk_name_prefixes(name))
    WITH (gin_pending_list_limit = 64) WHERE paused;
CREATE INDEX request_search_paused_text ON request_search USING gin (text gin_trgm_ops)
    WITH (gin_pending_list_limit = 64) WHERE paused;

CREATE OR REPLACE FUNCTION request_search_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO request_search (request_id, name, text, paused)
    SELECT n.id, n.requester_name, dsrdesk_search_text(n), n.pause_offset IS NOT NULL FROM new_requests n;
    RETURN NULL;
END $$;

-- Pausing and resuming (by an operator, or by the mailbox when the requester answers) keep the
-- flag with the request. Whoever changes the request, the search row follows: the flag is not
-- theirs to write, so the function writes it as the schema's owner.
CREATE FUNCTION request_search_paused() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_catalog AS $$
BEGIN
    UPDATE request_search SET paused = NEW.pause_offset IS NOT NULL WHERE request_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER requests_search_paused
    AFTER UPDATE ON requests
    FOR EACH ROW WHEN ((OLD.pause_offset IS NULL) IS DISTINCT FROM (NEW.pause_offset IS NULL))
    EXECUTE FUNCTION request_search_paused();
