-- The claim as a function, so PostgreSQL plans it once per connection instead of at every call (it
-- went as a simple-protocol query, planned each time, because its `SET LOCAL enable_sort = off` had
-- to travel with it). The function carries that setting itself: while the table has no statistics the
-- planner would otherwise fetch and sort every pending row rather than walk the claim index and stop
-- after `p_limit` rows. The candidates are picked once, in a MATERIALIZED CTE: as `WHERE id IN
-- (SELECT … LIMIT n)` the subquery may run more than once and lock more rows than asked for.
--
-- The claim's transaction commits without waiting for its WAL to reach the disk (synchronous_commit
-- off for this transaction only; the call is its own transaction), so the handler starts about one
-- flush sooner. WAL is written in order, so what survives a crash of the server or of the machine is a
-- prefix of the commits: a lost claim is a job that is pending again and runs again, which is what
-- happens anyway to a claim whose worker died (jobs run at least once). Every other write — new jobs,
-- completions, failures, cancels — waits for the disk as usual, and makes every claim before it durable.
CREATE FUNCTION jobline_claim(p_types TEXT[], p_limit INTEGER, p_worker TEXT, p_now BIGINT, p_lease_expires_at BIGINT)
RETURNS SETOF jobs
LANGUAGE plpgsql
SET enable_sort = off
AS $$
BEGIN
  PERFORM set_config('synchronous_commit', 'off', true); -- until this transaction ends, unlike SET clauses
  RETURN QUERY
  WITH next AS MATERIALIZED (
    SELECT j.id FROM jobs j
    WHERE j.status = 'pending' AND j.run_at <= p_now AND j.type = ANY (p_types) AND j.executor = 'worker'
      AND (j.status_reason IS NULL OR j.status_reason <> 'waiting')
    ORDER BY j.priority DESC, j.run_at, j.id
    LIMIT p_limit
    FOR UPDATE SKIP LOCKED)
  UPDATE jobs SET status = 'running', status_reason = 'claimed', attempts = jobs.attempts + 1, lease_owner = p_worker,
    lease_expires_at = p_lease_expires_at, started_at = COALESCE(jobs.started_at, p_now), attempt_started_at = p_now,
    updated_at = p_now, version = jobs.version + 1
  FROM next
  WHERE jobs.id = next.id AND jobs.status = 'pending'
  RETURNING jobs.*;
END $$;
