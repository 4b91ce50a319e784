// Vendors accept any file name (spaces, accents, paths); Jobline stores files under names that are safe
// in URLs and on every file system. The name a client gave is kept with the job where the vendor shows it.

/** `Home page (v2).docx` → `Home_page_v2_.docx`; the last path segment only; never empty. */
export function storageFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const safe = base
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 200);
  return safe === '' ? 'document' : safe;
}
