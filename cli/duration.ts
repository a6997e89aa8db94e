// Parses CLI durations: 3600, 90s, 30m, 8h, 7d.
export function parseDurationSeconds(text: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!match) throw new Error(`invalid duration '${text}': use seconds or a number with s, m, h or d (e.g. 8h)`);
  const value = Number(match[1]);
  const unit = match[2] || 's';
  return value * { s: 1, m: 60, h: 3600, d: 86400 }[unit as 's' | 'm' | 'h' | 'd'];
}
