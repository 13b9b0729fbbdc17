-- A search by name reads an index on the requests themselves (the word beginnings of the
-- requester's name, as 0046 made them), not the search rows'. Through request_search each match
-- cost three reads: its search row (for the request's id), the requests' primary key, and the
-- request (for the date the queue orders by). At 3.2M requests a common name matched 2,000
-- requests: 35 ms in the server with every page in memory, half of it in those lookups. Now a
-- match is one read of the request. request_search keeps the substring search (trigrams).
--
-- Building the indexes takes a minute or two at millions of requests, during which requests
-- cannot be written: run the upgrade outside a shift.

CREATE INDEX requests_name_prefixes ON requests USING gin (dsrdesk_name_prefixes(requester_name))
    WITH (gin_pending_list_limit = 64);
-- The paused requests' part of a queue page (0046) searches only them.
CREATE INDEX requests_paused_name_prefixes ON requests USING gin (dsrdesk_name_prefixes(requester_name))
    WITH (gin_pending_list_limit = 64) WHERE pause_offset IS NOT NULL;

DROP INDEX request_search_name_prefixes;
DROP INDEX request_search_paused_name_prefixes;
