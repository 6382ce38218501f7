/** Small deterministic formatting helpers for workflow outputs (no locale, no wall clock). */

/** `2026-11-24` plus `days` (may be negative), in UTC. */
export function addDays(date: string, days: number): string {
  const ms = Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (both YYYY-MM-DD). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** `EUR 12,000` / `EUR 40.50`. */
export function money(amount: number, currency: string): string {
  const [whole = '0', cents] = amount.toFixed(2).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${currency} ${grouped}${cents === '00' ? '' : `.${cents}`}`;
}

/** Sums amounts per currency, currencies in alphabetical order: `EUR 1,200; USD 300`. */
export function totals(items: Array<{ amount: number; currency: string }>): string {
  const byCurrency = new Map<string, number>();
  for (const item of items) byCurrency.set(item.currency, (byCurrency.get(item.currency) ?? 0) + item.amount);
  if (byCurrency.size === 0) return 'none';
  return [...byCurrency.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([currency, amount]) => money(amount, currency)).join('; ');
}

/** `1 gift`, `3 gifts`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export function table(headers: string[], rows: Array<Array<string | number>>): string {
  if (rows.length === 0) return '_none_';
  const escape = (cell: string | number): string => String(cell).replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((row) => `| ${row.map(escape).join(' | ')} |`)].join('\n');
}

/** The provenance line at the end of every output. */
export function provenance(workflowId: string, reply: { source: string; model: string | null; simulated: boolean }, lane: string): string {
  const by = reply.model ? `${reply.model}${reply.simulated ? ' (simulated Ollama)' : ''}` : 'no model (data-only fallback)';
  return `_${workflowId} · lane ${lane} · text by ${by}${reply.source === 'fallback-model' ? ' (fallback model)' : ''}_`;
}

/** What produced a report's text, as recorded in its JSON output. */
export function generatedBy(reply: { source: string; model: string | null; simulated: boolean; fallbackReasons: string[] }) {
  return { source: reply.source, model: reply.model, simulated: reply.simulated, fallbackReasons: reply.fallbackReasons };
}
