import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { AppError } from '../../core/errors.js';
import { EVENT_NAMES, isTerminalEvent, unknownEventPatterns, type JobEvent } from '../../core/events.js';
import { eventsFor } from '../../core/provider-view.js';
import type { Services } from '../../services/context.js';
import { getJob } from '../../services/job-reads.js';
import {
  FEED_START,
  decodeCursor,
  encodeCursor,
  listJobEvents,
  readFeed,
  type FeedCursor,
  type FeedFilter,
} from '../../store/events.js';
import type { App } from '../app.js';
import { eventRepresentation } from '../representations/event.js';
import { IdParams, errorResponses } from '../schemas/common.js';
import { FeedQuery, JobEventsQuery } from '../schemas/event.js';
import { eventFrame, startEventStream, type OpenStreams } from '../sse.js';

const STREAM_NOTE =
  'With `Accept: text/event-stream` the answer is a stream of Server-Sent Events (`id`, `event` = the event type, `data` = the event as JSON); `Last-Event-ID` resumes after the last event received, with no gap and no duplicate. A comment line every 15 s keeps proxies open.';

export function eventRoutes(app: App, services: Services): void {
  const streams: OpenStreams = new Set();
  app.addHook('preClose', async () => {
    for (const s of [...streams]) s.end();
  });

  app.get(
    '/v1/jobs/:id/events',
    {
      // A provider's token may follow the jobs assigned to it (getJob hides the others), and sees of
      // their events only those that concern it (provider-view.ts).
      config: { scope: 'jobs:read', xmlRoot: 'events', eventStream: true, provider: true },
      schema: {
        tags: ['events'],
        summary: "A job's events, oldest first (or live, as Server-Sent Events)",
        description: `${STREAM_NOTE} The stream of a job ends after its terminal event (\`job.succeeded\`, \`job.failed\`, \`job.cancelled\`); reconnecting after that answers 204, which makes an EventSource stop.`,
        params: IdParams,
        querystring: JobEventsQuery,
        response: {
          200: Type.Object({ data: Type.Array(Type.Ref('Event')), next_page_token: Type.Optional(Type.String()) }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const job = await getJob(services, request.principal!, request.params.id);
      const providerId = request.principal!.providerId;
      if (request.eventStream)
        return streamJob(request, reply, job.id, resumeSeq(request, request.query.after), providerId);
      const scope = { events: job.id };
      const after =
        request.query.page_token !== undefined
          ? Number(services.pageTokens.decode(request.query.page_token, scope))
          : (request.query.after ?? 0);
      const size = request.query.page_size ?? 50;
      const events = await listJobEvents(services.store, job.id, after, size + 1);
      const data = events.slice(0, size);
      // A provider's page may hold fewer events than page_size; the token still follows the page read.
      return {
        data: eventsFor(data, providerId).map(eventRepresentation),
        ...(events.length > size
          ? { next_page_token: services.pageTokens.encode(String(data.at(-1)!.seq), scope) }
          : {}),
      };
    },
  );

  app.get(
    '/v1/events',
    {
      config: { scope: 'jobs:read', xmlRoot: 'events', eventStream: true },
      schema: {
        tags: ['events'],
        summary: "The workspace's events in order, after a cursor (or live, as Server-Sent Events)",
        description: `For clients that catch up after downtime: keep the \`next_cursor\` (or the last event's \`id\`) and ask again with \`after\`. ${STREAM_NOTE}`,
        querystring: FeedQuery,
        response: {
          200: Type.Object({ data: Type.Array(Type.Ref('Event')), next_cursor: Type.String() }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const unknown = unknownEventPatterns(q.event ?? []).filter((p) => !p.includes('*'));
      if (unknown.length > 0 || (q.event ?? []).some((p) => p.includes('*'))) {
        throw new AppError(
          'invalid_query',
          `Unknown event name ${JSON.stringify((unknown[0] ?? q.event!.find((p) => p.includes('*')))!)}; known: ${EVENT_NAMES.join(', ')}.`,
          {
            errors: [{ pointer: '/query/event', detail: 'unknown event name' }],
          },
        );
      }
      const filter: FeedFilter = { projectId: q.project_id, jobType: q.type, names: q.event };
      const lastEventId = request.eventStream ? header(request, 'last-event-id') : undefined;
      const start = parseCursor(lastEventId ?? q.after, lastEventId !== undefined ? 'Last-Event-ID' : 'after');
      if (request.eventStream) return streamFeed(request, reply, request.principal!.workspaceId, start, filter);
      const page = await readFeed(services.store, request.principal!.workspaceId, start, filter, q.page_size ?? 50);
      return { data: page.events.map(eventRepresentation), next_cursor: encodeCursor(page.next) };
    },
  );

  /** Replays the job's events after `afterSeq`, then follows it live until its terminal event. */
  async function streamJob(
    request: FastifyRequest,
    reply: FastifyReply,
    jobId: string,
    afterSeq: number,
    providerId: string | undefined,
  ): Promise<FastifyReply> {
    // A client that already saw the end is told to stop (an EventSource reconnects after every close).
    const tail = await listJobEvents(services.store, jobId, afterSeq, 1);
    if (tail.length === 0 && afterSeq > 0 && (await isFinished(jobId, afterSeq))) return reply.code(204).send();
    const stream = startEventStream(request, reply, streams);
    const stop = services.hub.followJob(jobId, afterSeq, (events: JobEvent[]) => {
      for (const e of eventsFor(events, providerId)) stream.sendFrame(jobFrame(e));
      if (events.some((e) => isTerminalEvent(e.name))) stream.end();
    });
    void stream.closed.then(stop);
    return reply;
  }

  async function isFinished(jobId: string, seq: number): Promise<boolean> {
    const last = await listJobEvents(services.store, jobId, seq - 1, 1);
    return last.length === 1 && isTerminalEvent(last[0]!.name);
  }

  async function streamFeed(
    request: FastifyRequest,
    reply: FastifyReply,
    workspaceId: string,
    start: FeedCursor,
    filter: FeedFilter,
  ): Promise<FastifyReply> {
    const stream = startEventStream(request, reply, streams);
    const stop = services.hub.followFeed(workspaceId, start, filter, (events) => {
      for (const e of events) stream.send({ id: e.cursor, event: e.name, data: eventRepresentation(e) });
    });
    void stream.closed.then(stop);
    return reply;
  }
}

// The hub hands the same event objects to every subscriber of a job: render each once, not once per
// subscriber (a thousand watchers of one job would otherwise serialize it a thousand times).
const jobFrames = new WeakMap<JobEvent, Buffer>();
function jobFrame(e: JobEvent): Buffer {
  let frame = jobFrames.get(e);
  if (frame === undefined) {
    frame = Buffer.from(eventFrame({ id: String(e.seq), event: e.name, data: eventRepresentation(e) }));
    jobFrames.set(e, frame);
  }
  return frame;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** Where a job's stream starts: after Last-Event-ID (a reconnecting EventSource) or `after`. */
function resumeSeq(request: FastifyRequest, after: number | undefined): number {
  const last = header(request, 'last-event-id');
  if (last === undefined) return after ?? 0;
  if (!/^\d{1,9}$/.test(last)) {
    throw new AppError('bad_request', "Last-Event-ID must be the id of an event of this job's stream (its seq).", {
      errors: [{ pointer: '#/headers/last-event-id', detail: 'invalid' }],
    });
  }
  return Number(last);
}

function parseCursor(text: string | undefined, what: string): FeedCursor {
  if (text === undefined) return FEED_START;
  const cursor = decodeCursor(text);
  if (cursor === undefined) {
    throw new AppError(
      what === 'after' ? 'invalid_query' : 'bad_request',
      `${what} must be an event id from this feed (e.g. "0-42").`,
      {
        errors: [{ pointer: what === 'after' ? '/query/after' : '#/headers/last-event-id', detail: 'not an event id' }],
      },
    );
  }
  return cursor;
}
