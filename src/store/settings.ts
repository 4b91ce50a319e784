import type { Executor } from './store.js';

/** Returns the stored value, or stores `create()` the first time; every process sees the same value. */
export async function getOrCreateSetting(db: Executor, key: string, create: () => string): Promise<string> {
  await db
    .insertInto('settings')
    .values({ key, value: create() })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirstOrThrow();
  return row.value;
}
