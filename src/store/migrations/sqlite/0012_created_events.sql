-- Nobody can be following a job that did not exist yet: the wake-up for its job.created event names
-- only the workspace (an empty job id), for the feed's followers.
DROP TRIGGER job_events_notify;
CREATE TRIGGER job_events_notify AFTER INSERT ON job_events
BEGIN
  SELECT jobline_event_added(CASE WHEN NEW.name = 'job.created' THEN '' ELSE NEW.job_id END, NEW.workspace_id);
END;
