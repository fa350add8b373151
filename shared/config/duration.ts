import ms from 'ms';

/** Parses `5s`, `5m`, `2h`, `1500ms` or a bare number of milliseconds; null when it is none of these. */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const value = /^\d+$/.test(trimmed) ? Number(trimmed) : ms(trimmed as ms.StringValue);
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}
