-- The completion function (migration 0033) plans its statements once per connection. Its statements
-- take the batch as arrays, and for arrays given as values the planner counts their elements; a
-- batch of a few jobs then looks cheaper planned for its own values than by a plan for any batch, so
-- PostgreSQL's plan cache planned the completion's statements again on every call of a small batch.
-- Each statement finds the batch's rows by their ids (the jobs' primary key, the dependencies'
-- index), whatever the batch's size, so the plan made once serves every batch. A later CREATE OR
-- REPLACE of the function drops this setting unless it names it again.
ALTER FUNCTION jobline_complete_jobs(UUID[], TEXT[], INTEGER[], BIGINT[], TEXT[], TEXT[], TEXT[], TEXT[], BIGINT, TEXT[])
  SET plan_cache_mode = force_generic_plan;
