// The package's public API for TypeScript users: embed the server, or talk to one.
export { startServer, type RunningServer } from './server.js';
export { serveConfig, type ServeConfig } from './config.js';
export { buildApp, type App, type AppOptions } from './http/app.js';
export { createServices } from './services/create.js';
export { JoblineClient, ApiError } from './client/client.js';
export type { Job } from './core/job.js';
export { JOB_STATUSES, type JobStatus } from './core/lifecycle.js';
export { defineJob, NonRetryableError, type JobDefinition, type JobContext } from './engine/define-job.js';
export { Worker, type WorkerOptions } from './engine/worker.js';
export { Registry, loadJobModules } from './engine/registry.js';
export { Type, type Static } from '@sinclair/typebox';
