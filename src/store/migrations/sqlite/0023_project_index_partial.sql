-- The index that lists a project's jobs leaves out jobs without a project, as on PostgreSQL (its
-- migration 0023). Every query that uses it names one project (`project_id = ?`, which SQLite's
-- planner takes as implying IS NOT NULL), so jobs created without a project no longer add an entry to
-- it at their insert. (SQLite's updates rewrite only the indexes whose columns change, so claims and
-- completions never touched it.)
DROP INDEX jobs_list_project;
CREATE INDEX jobs_list_project ON jobs (workspace_id, project_id, id) WHERE project_id IS NOT NULL;
