import type { ProjectRate } from '../core/people.js';
import type { Executor } from './store.js';

// The prices per word of a project's language pairs, which its people jobs are priced by.

export async function listRates(db: Executor, projectId: string): Promise<ProjectRate[]> {
  const rows = await db
    .selectFrom('project_rates')
    .selectAll()
    .where('project_id', '=', projectId)
    .orderBy('source_language')
    .orderBy('target_language')
    .execute();
  return rows.map((r) => ({
    sourceLanguage: r.source_language,
    targetLanguage: r.target_language,
    pricePerWord: Number(r.price_per_word),
    currency: r.currency,
  }));
}

/**
 * The rate for a language pair that the workspace set last: that of its most recently created project
 * (not deleted) with a rate for the pair. Jobline keeps rates per project only; this is its quote.
 */
export async function latestRate(
  db: Executor,
  workspaceId: string,
  sourceLanguage: string,
  targetLanguage: string,
): Promise<ProjectRate | undefined> {
  const row = await db
    .selectFrom('project_rates as r')
    .innerJoin('projects as p', 'p.id', 'r.project_id')
    .select(['r.source_language', 'r.target_language', 'r.price_per_word', 'r.currency'])
    .where('p.workspace_id', '=', workspaceId)
    .where('p.deleted_at', 'is', null)
    .where('r.source_language', '=', sourceLanguage)
    .where('r.target_language', '=', targetLanguage)
    .orderBy('p.number', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row === undefined
    ? undefined
    : {
        sourceLanguage: row.source_language,
        targetLanguage: row.target_language,
        pricePerWord: Number(row.price_per_word),
        currency: row.currency,
      };
}

export async function replaceRates(db: Executor, projectId: string, rates: ProjectRate[]): Promise<void> {
  await db.deleteFrom('project_rates').where('project_id', '=', projectId).execute();
  if (rates.length === 0) return;
  await db
    .insertInto('project_rates')
    .values(
      rates.map((r) => ({
        project_id: projectId,
        source_language: r.sourceLanguage,
        target_language: r.targetLanguage,
        price_per_word: r.pricePerWord,
        currency: r.currency,
      })),
    )
    .execute();
}
