-- The queue sorts a paused request by the date it shows (issue 19, issue 15).
--
-- Art. 12(3) with 12(6) (EDPB Guidelines 01/2022 §160): while the controller waits for the
-- information it asked for, the clock stands still, so a paused request's deadline moves one day
-- later for every day it stays paused (DOMAIN.md "Suspension"). The desk shows the date it would
-- have if the information arrived today: the working day on or after
--     today + (one or three months after receipt + days paused before + 0) - the day it was asked
-- That offset does not change from day to day, so it is stored (and indexed): the queue reads
-- paused requests in order of `pause_offset` and the service rolls today + offset to the working
-- day with the controller's calendar. It is NULL for a request that is not paused.
ALTER TABLE requests ADD COLUMN pause_offset integer GENERATED ALWAYS AS (
    CASE WHEN paused_since IS NOT NULL THEN
        (received_on + CASE WHEN extended_on IS NULL THEN interval '1 month' ELSE interval '3 months' END)::date
            + paused_days - paused_since
    END
) STORED;

CREATE INDEX requests_paused_by_offset ON requests (jurisdiction, pause_offset, id)
    WHERE pause_offset IS NOT NULL;
