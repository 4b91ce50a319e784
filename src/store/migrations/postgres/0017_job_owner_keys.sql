-- jobs loses its foreign keys to workspaces and projects. Every insert of jobs first reserves their
-- numbers by updating the counter of the workspace (jobs without a project) or of the project in
-- the same workspace (reserveJobNumbers, insertNumberedJobs): that update finds the owner, or the
-- insert does not happen, and it holds the owner's row locked until the jobs commit. Workspaces and
-- projects are never deleted. The foreign keys only repeated that check once per inserted row, with a
-- query and a lock each, on the hottest write. test/store/job-numbers.test.ts holds the guarantee.
ALTER TABLE jobs DROP CONSTRAINT jobs_workspace_id_fkey;
ALTER TABLE jobs DROP CONSTRAINT jobs_project_id_fkey;
