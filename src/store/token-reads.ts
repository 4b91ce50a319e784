import type { Selectable } from 'kysely';
import { perStore, readBatcher } from './read-batches.js';
import type { ApiTokensTable } from './schema.js';
import type { Store } from './store.js';
import { findTokenByPrefix } from './tokens.js';

// A token that is not in a process's cache of verified tokens is read by its prefix. Requests of many
// clients whose cache entries ran out together (or a process just started) would each read alone; on
// PostgreSQL the look-ups of one loop turn go as one statement instead (see read-batches.ts).

type TokenRow = Selectable<ApiTokensTable>;

const POSTGRES_TOKENS = 'SELECT * FROM api_tokens WHERE prefix = ANY($1::text[])';

const tokenBatcher = perStore((store) => {
  if (store.raw.kind !== 'postgres') throw new Error('batched reads are for PostgreSQL');
  const pool = store.raw.pool;
  return readBatcher<string, TokenRow | undefined>(
    store,
    'tokens',
    'loop',
    (prefix) => prefix,
    async (prefixes) => {
      const { rows } = await pool.query<TokenRow>({
        name: 'jobline_tokens_many',
        text: POSTGRES_TOKENS,
        values: [prefixes],
      });
      const byPrefix = new Map(rows.map((row) => [row.prefix, row]));
      return prefixes.map((prefix) => byPrefix.get(prefix));
    },
    (prefix) => findTokenByPrefix(store.db, prefix),
  );
});

/** The token row with this prefix (prefixes are unique), or undefined. */
export function readTokenByPrefix(store: Store, prefix: string): Promise<TokenRow | undefined> {
  if (store.raw.kind === 'sqlite') return findTokenByPrefix(store.db, prefix);
  return tokenBatcher(store).load(prefix);
}
