-- The search indexes (0009) are GIN indexes, which by default take new rows into an unsorted
-- pending list of up to 4 MB and sort them into the index later. Every search reads that list
-- from start to end: after an intake or two it held 60,000 names, and a search by name spent
-- 8-12 ms there against 2 ms in the index proper (measured at 1.3M requests, issue 18).
-- A list of at most 64 kB keeps that read to a few pages. Intakes pay for it in small sorted
-- batches; a 20,000-line intake took no longer (3.9 s against 4.4 s with the 4 MB list), where
-- turning the list off altogether cost 28 %.
ALTER INDEX request_search_name_words SET (gin_pending_list_limit = 64);
ALTER INDEX request_search_text SET (gin_pending_list_limit = 64);

-- What the lists hold now goes into the indexes at once, not at the next autovacuum.
SELECT gin_clean_pending_list('request_search_name_words');
SELECT gin_clean_pending_list('request_search_text');
