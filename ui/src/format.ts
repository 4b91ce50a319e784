// How values read on screen: times in the browser's locale, sizes in bytes/KB/MB, JSON indented.

export function time(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '—';
  const d = new Date(iso);
  return d.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

export function timeElement(iso: string | null | undefined): HTMLElement {
  if (iso === null || iso === undefined) return document.createTextNode('—') as unknown as HTMLElement;
  const el = document.createElement('time');
  el.dateTime = iso;
  el.textContent = time(iso);
  return el;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 100) / 10} s`;
  return `${Math.round(ms / 60_000)} min`;
}
