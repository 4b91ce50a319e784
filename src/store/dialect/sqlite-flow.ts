import { TRANSITIONS } from '../../core/lifecycle.js';
import type { FlowCandidate } from '../../core/flow.js';
import type { FlowRow } from '../job-flow.js';
import type { ClaimedRow, ClaimOptions } from '../queue/claim.js';
import { limitedClaim, runSync, type CandidateQuery, type Count, type FlowOps } from '../queue/flow-claim.js';
import { statusEventBatches, type StatusChangedRow } from '../status-event-batches.js';
import type { RawHandle } from './dialect.js';
import { CLAIM } from './sqlite-queue.js';

// The limited claim's statements on SQLite (store/queue/flow-claim.ts), run synchronously in one
// transaction on the writer: its one write lock is what makes limited claims take turns.

type SqliteRaw = Extract<RawHandle, { kind: 'sqlite' }>;
const { claim } = TRANSITIONS;

// The claim's own statement with the jobs named instead of chosen: the same columns set, the same
// events (event_seq, claim_times), the same rows read back. Derived from CLAIM so the two cannot drift.
const CLAIM_IDS = claimOfIds(CLAIM);

function claimOfIds(text: string): string {
  const choose = text.indexOf('WHERE rowid IN (');
  const returning = text.indexOf('RETURNING ');
  if (choose < 0 || returning < choose) throw new Error('The SQLite claim no longer chooses its jobs by rowid.');
  return `${text.slice(0, choose)}WHERE id IN (SELECT value FROM json_each(?)) AND status = '${claim.from[0]}'\n  ${text.slice(returning)}`;
}

const FLOWS = `SELECT * FROM job_type_flow WHERE type IN (SELECT value FROM json_each(?)) AND (? IS NULL OR workspace_id IN (?, ''))`;

const RUNNING = `SELECT workspace_id, concurrency_key AS key, count(*) AS n FROM jobs
  WHERE lease_owner IS NOT NULL AND status IN ('running', 'cancelling') AND type = ? AND (? IS NULL OR workspace_id = ?)
  GROUP BY workspace_id, concurrency_key`;

const STARTS = `SELECT workspace_id, flow_key AS key, count(*) AS n FROM job_flow_starts
  WHERE type = ? AND started_at > ? AND (? IS NULL OR workspace_id = ?)
  GROUP BY workspace_id, flow_key`;

// The claim's conditions and order (and its index), for one type, less the workspaces and keys that can
// take nothing now.
const CANDIDATES = `SELECT id, workspace_id AS workspaceId, concurrency_key AS key FROM jobs
  WHERE status = '${claim.from[0]}' AND run_at <= ? AND type = ? AND executor = 'worker'
    AND (status_reason IS NULL OR status_reason <> 'waiting')
    AND (? IS NULL OR +workspace_id = ?)
    AND +workspace_id NOT IN (SELECT value FROM json_each(?))
    AND (? IS NULL OR +workspace_id IN (SELECT value FROM json_each(?)))
    AND (concurrency_key IS NULL OR workspace_id || ' ' || concurrency_key NOT IN (SELECT value FROM json_each(?)))
  ORDER BY priority DESC, run_at, id
  LIMIT ?`;

function sqliteFlowOps(raw: SqliteRaw): FlowOps<'sync'> {
  const ws = (workspaceId: string | undefined) => [workspaceId ?? null, workspaceId ?? null];
  return {
    flows: (types, workspaceId) => raw.prepare(FLOWS).all(JSON.stringify(types), ...ws(workspaceId)) as FlowRow[],
    lock: () => undefined,
    running: (type, workspaceId) => raw.prepare(RUNNING).all(type, ...ws(workspaceId)) as Count[],
    starts: (type, since, workspaceId) => raw.prepare(STARTS).all(type, since, ...ws(workspaceId)) as Count[],
    candidates: (q: CandidateQuery) =>
      raw
        .prepare(CANDIDATES)
        .all(
          q.now,
          q.type,
          ...ws(q.workspaceId),
          JSON.stringify(q.blockedWorkspaces),
          q.onlyWorkspaces === undefined ? null : 1,
          JSON.stringify(q.onlyWorkspaces ?? []),
          JSON.stringify(q.blockedKeys),
          q.limit,
        ) as FlowCandidate[],
    claimIds: (ids, o) => claimIds(raw, ids, o),
    recordStarts: (rows) => {
      const insert = raw.prepare(
        'INSERT INTO job_flow_starts (workspace_id, type, flow_key, started_at) VALUES (?, ?, ?, ?)',
      );
      for (const r of rows) insert.run(r.workspaceId, r.type, r.key, r.at);
    },
    forgetStarts: (type, before) => {
      raw.prepare('DELETE FROM job_flow_starts WHERE type = ? AND started_at <= ?').run(type, before);
    },
  };
}

function claimIds(raw: SqliteRaw, ids: string[], o: ClaimOptions): ClaimedRow[] {
  const values = [o.workerId, o.now + o.leaseMs, o.now, o.now, o.now, o.now, JSON.stringify(ids)];
  const rows = raw.prepare(CLAIM_IDS).all(...values) as (ClaimedRow & StatusChangedRow)[];
  for (const e of statusEventBatches(rows, {
    status: claim.to,
    statusReason: 'claimed',
    previousStatus: claim.from[0]!,
    actor: o.workerId,
    at: o.now,
  }))
    raw.prepare(e.text).run(e.values);
  return rows;
}

/** The limited claim in one immediate transaction, committed without waiting for the disk as the claim is. */
export function sqliteLimitedClaim(raw: SqliteRaw): (o: ClaimOptions) => ClaimedRow[] {
  const ops = sqliteFlowOps(raw);
  const inTransaction = raw.db.transaction((o: ClaimOptions) => runSync(limitedClaim(o), ops));
  return (o) => {
    raw.prepare('PRAGMA synchronous = NORMAL').run();
    try {
      return inTransaction.immediate(o);
    } finally {
      raw.prepare('PRAGMA synchronous = FULL').run();
    }
  };
}
