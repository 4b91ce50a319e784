/**
 * The text of a SQLite statement holding `rows` repetitions of a tuple of `width` placeholders, built
 * once per size and kept (up to 64 sizes per cache): building and compiling a batch of hundreds of rows
 * through the query builder cost about as much as SQLite running it. `make` places the tuples in the
 * statement; the caller binds the values as one flat list, row after row.
 */
export function repeatedTuples(
  cache: Map<number, string>,
  rows: number,
  width: number,
  make: (tuples: string) => string,
): string {
  let text = cache.get(rows);
  if (text === undefined) {
    const tuple = `(${Array.from({ length: width }, () => '?').join(', ')})`;
    text = make(Array.from({ length: rows }, () => tuple).join(', '));
    if (cache.size < 64) cache.set(rows, text);
  }
  return text;
}
