-- Each record is erased on the day its own hold lapses (GDPR Art. 5(1)(e), 17(1); DOMAIN "What
-- blocks erasure"): an erasure that keeps records schedules a follow-up for every distinct day a
-- kept record becomes erasable (and one open-ended follow-up, re-examined daily, while a hold
-- lasts until an event), not a single one on the day the last hold lapses. Each is re-planned on
-- its day, so a new claim or a payment still counts; carrying it out schedules the rest again.
DROP INDEX scheduled_erasures_one_pending;
CREATE UNIQUE INDEX scheduled_erasures_one_pending_per_day
    ON scheduled_erasures (request_id, coalesce(due_on, '-infinity'::date)) WHERE done_at IS NULL;
