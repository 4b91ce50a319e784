import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Job } from '../core/job.js';
import type { Services } from '../services/context.js';
import { getJob } from '../services/job-reads.js';
import { lastJobEvent } from '../store/events.js';

/**
 * Long polling: resolves with the job once its version differs from `job.version`, or with `job`
 * itself when `ms` pass or the client goes away. Changes are learned from the job's events, so a
 * waiting request costs nothing until something happens.
 */
export async function waitForChange(
  services: Services,
  request: FastifyRequest,
  reply: FastifyReply,
  job: Job,
  ms: number,
): Promise<Job> {
  const principal = request.principal!;
  // Events after this one are news; one that slipped in between the two reads shows as a new version below.
  const seq = (await lastJobEvent(services.store, job.id))?.seq ?? 0;
  const fresh = await getJob(services, principal, job.id);
  if (fresh.version !== job.version) return fresh;
  return new Promise<Job>((resolve) => {
    let done = false;
    let checking = false;
    const finish = (result: Job) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stop();
      reply.raw.off('close', onClose);
      resolve(result);
    };
    const onClose = () => finish(job);
    const timer = setTimeout(() => finish(job), ms);
    const stop = services.hub.followJob(job.id, seq, () => {
      if (checking) return;
      checking = true;
      getJob(services, principal, job.id)
        .then((current) => {
          if (current.version !== job.version) finish(current);
        })
        .catch(() => finish(job))
        .finally(() => {
          checking = false;
        });
    });
    // The response's 'close' (not the request's, which fires once its body is read) means the client left.
    reply.raw.on('close', onClose);
  });
}
