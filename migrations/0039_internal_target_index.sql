-- The overview counts open requests past the agency's own internal target (issue 15). Only open
-- requests whose clock runs are in this index, so the count reads a short range of it however
-- long the closed history grows.
CREATE INDEX requests_running_by_internal_due ON requests (internal_due_on)
    WHERE status IN ('new', 'in_progress');
