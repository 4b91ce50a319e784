// The package's public API, kept stable across versions: define job types for `jobline serve --jobs`
// and `jobline worker --jobs`, and talk to a Jobline server. Everything else is internal: the package's
// exports map reaches no other module, and these declarations name no type of a development dependency.
export { defineJob, NonRetryableError, type JobDefinition, type JobContext } from './engine/define-job.js';
export type { Backoff } from './core/backoff.js';
export type { FlowControl, FlowFields, FlowJson } from './core/flow.js';
export { Type, type Static, type TSchema } from '@sinclair/typebox';
export { JoblineClient, ApiError, ConnectionError } from './client/client.js';
export type { Job } from './core/job.js';
export { JOB_STATUSES, type JobStatus } from './core/lifecycle.js';
export { runRemoteWorker, type RemoteWorkerOptions } from './client/remote-worker.js';
