-- The index that lists a project's jobs leaves out jobs without a project. Every query that uses it
-- names one project (`project_id = …`, which PostgreSQL knows implies IS NOT NULL), so jobs created
-- without a project, the usual case for machine work, no longer add an entry to it at their insert,
-- claim and completion.
DROP INDEX jobs_list_project;
CREATE INDEX jobs_list_project ON jobs (workspace_id, project_id, id) WHERE project_id IS NOT NULL;
