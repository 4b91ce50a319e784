// core/flow.ts limitsClaim in SQL, for statements that leave limited types to the flow claim: a row of
// job_type_flow (alias `f`) limits the claim when it pauses the type or sets a concurrency, a
// per-key concurrency or a rate. Migration 0034 writes the same condition in jobline_claim_free.

/** True for a job_type_flow row, aliased `f`, whose settings limit the claim. */
export const FLOW_LIMITS_CLAIM =
  '(f.paused <> 0 OR f.concurrency IS NOT NULL OR f.key_concurrency IS NOT NULL OR f.rate_limit IS NOT NULL)';
