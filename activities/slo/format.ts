import type { SloRow } from './types';

/** Shared wording of the Markdown and HTML reports. */
export const pct = (v: number | null, digits = 1): string => (v === null ? '–' : `${(v * 100).toFixed(digits)} %`);
export const msText = (v: number | null): string => (v === null ? '–' : v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);
export const num = (v: number | null, digits = 1): string => (v === null ? '–' : String(Math.round(v * 10 ** digits) / 10 ** digits));
export const burn = (v: number | null): string => (v === null ? '–' : `${v.toFixed(2)}×`);
export const sloValue = (row: SloRow): string => (row.unit === 'ratio' ? pct(row.value, 2) : msText(row.value));
export const verdict = (pass: boolean | null): string => (pass === null ? 'no data' : pass ? 'PASS' : 'FAIL');
