-- A project deleted while it was still prepared (TextKing's DELETE /project/{id}). Its jobs are deleted
-- with it; the row stays, marked, so that its number is never given to another project (numbers are
-- the workspace's highest plus one, and Phrase's async request ids and TextKing's job numbers embed
-- them). Every read of projects leaves marked rows out.
ALTER TABLE projects ADD COLUMN deleted_at BIGINT;
