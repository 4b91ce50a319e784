import type { Selectable } from 'kysely';
import { perStore, readBatcher } from './read-batches.js';
import type { ApiTokensTable } from './schema.js';
import type { Store } from './store.js';
import { findTokenByPrefix } from './tokens.js';

// A token that is not in a process's cache of verified tokens is read by its prefix. Requests of many
// clients whose cache entries ran out together (or a process just started) would each read alone; on
// PostgreSQL (the dialect's manyReads) the look-ups of one loop turn go as one statement instead (see read-batches.ts).

type TokenRow = Selectable<ApiTokensTable>;

const tokenBatcher = perStore((store, many) =>
  readBatcher<string, TokenRow | undefined>(
    store,
    'tokens',
    'loop',
    (prefix) => prefix,
    (prefixes) => many.tokens(prefixes),
    (prefix) => findTokenByPrefix(store.db, prefix),
  ),
);

/** The token row with this prefix (prefixes are unique), or undefined. */
export function readTokenByPrefix(store: Store, prefix: string): Promise<TokenRow | undefined> {
  const many = store.dialect.manyReads;
  if (many === undefined) return findTokenByPrefix(store.db, prefix);
  return tokenBatcher(store, many).load(prefix);
}
