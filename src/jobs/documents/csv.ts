import { invalid } from './errors.js';
import { SegmentList } from './segments.js';
import type { ParsedContent } from './types.js';

const SOURCE_COLUMNS = new Set(['source', 'text', 'value', 'string']);
const KEY_COLUMNS = ['key', 'id'];
const TARGET_COLUMNS = new Set(['target', 'translation']);
const CONTEXT_COLUMNS = new Set(['context', 'comment', 'comments', 'note', 'notes', 'description']);

/**
 * RFC 4180 CSV whose first row names the columns. Translatable columns are those named source, text,
 * value or string (any case); without one, every column but the key column. The first column named
 * key (else id) gives each segment's `key`. Beside a single source column, a column named target or
 * translation gives `target`, and one named context, comment(s), note(s) or description gives
 * `context`; with several translatable columns, each segment's `context` is its column's name, so the
 * cells of one row stay apart. Blank cells are not segments.
 */
export function parseCsv(text: string): ParsedContent {
  const rows = readCsv(text);
  const segments = new SegmentList();
  const header = rows[0];
  if (!header) return { segments: segments.items };
  const names = header.map((cell) => cell.trim().toLowerCase());
  const keyColumn = firstIndex(names, KEY_COLUMNS);
  let translatable = names.flatMap((name, i) => (SOURCE_COLUMNS.has(name) ? [i] : []));
  let targetColumn: number | undefined;
  let contextColumn: number | undefined;
  if (translatable.length === 0) {
    translatable = names.flatMap((_, i) => (i === keyColumn ? [] : [i]));
  } else if (translatable.length === 1) {
    const target = names.findIndex((name) => TARGET_COLUMNS.has(name));
    if (target !== -1) targetColumn = target;
    const context = names.findIndex((name) => CONTEXT_COLUMNS.has(name));
    if (context !== -1) contextColumn = context;
  }
  const nameContext = translatable.length > 1;
  const cellOf = (row: string[], column: number | undefined): string | undefined => {
    const cell = column === undefined ? undefined : row[column];
    return cell === undefined || cell.trim() === '' ? undefined : cell;
  };

  for (const row of rows.slice(1)) {
    for (const column of translatable) {
      const cell = cellOf(row, column);
      if (cell === undefined) continue;
      segments.add(cell, {
        key: cellOf(row, keyColumn),
        context: nameContext ? header[column]!.trim() : cellOf(row, contextColumn),
        target: cellOf(row, targetColumn),
      });
    }
  }
  return { segments: segments.items };
}

function firstIndex(names: string[], wanted: string[]): number | undefined {
  for (const name of wanted) {
    const index = names.indexOf(name);
    if (index !== -1) return index;
  }
  return undefined;
}

/**
 * Splits RFC 4180 records: fields separated by the delimiter, records by CRLF (or a bare LF or CR),
 * quoted fields holding delimiters, line breaks and doubled quotes. Rows that are entirely empty are
 * dropped; rows may have fewer or more fields than the header.
 *
 * The delimiter is the comma unless the header line has more semicolons or tabs outside quotes, which
 * is what spreadsheet programs write in locales whose decimal separator is the comma.
 */
export function readCsv(text: string, delimiter = detectDelimiter(text)): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let line = 1;
  let i = 0;
  const n = text.length;
  const endRow = (): void => {
    row.push(field);
    field = '';
    if (row.length > 1 || row[0] !== '') rows.push(row);
    row = [];
  };
  while (i < n) {
    const c = text[i]!;
    if (c === '"') {
      // Spaces before an opening quote (a, "b") are a common slip, read as if absent.
      if (field.trim() !== '') {
        throw invalid(`line ${line}: a quote inside an unquoted field; quote the whole field and double the quote`);
      }
      const openedOn = line;
      field = '';
      i++;
      for (;;) {
        if (i >= n) throw invalid(`line ${openedOn}: unterminated quoted field`);
        const q = text[i]!;
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (q === '\n' || (q === '\r' && text[i + 1] !== '\n')) line++;
        field += q;
        i++;
      }
      const next = text[i];
      if (next !== undefined && next !== delimiter && next !== '\n' && next !== '\r') {
        throw invalid(`line ${line}: unexpected ${JSON.stringify(next)} after the closing quote of a field`);
      }
      continue;
    }
    if (c === delimiter) {
      row.push(field);
      field = '';
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      endRow();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      continue;
    }
    field += c;
    i++;
  }
  if (field !== '' || row.length > 0) endRow();
  return rows;
}

function detectDelimiter(text: string): string {
  const counts = new Map<string, number>([
    [',', 0],
    [';', 0],
    ['\t', 0],
  ]);
  let quoted = false;
  for (const c of text.slice(0, 4096)) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && counts.has(c)) counts.set(c, counts.get(c)! + 1);
  }
  let best = ',';
  for (const [delimiter, count] of counts) if (count > counts.get(best)!) best = delimiter;
  return best;
}
