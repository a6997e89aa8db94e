// Redacts secret-looking keys from tool arguments before they are stored. The argument hash is
// computed on the original arguments (approvals bind to exact values); only the stored copy is redacted.

export function redactArguments(value: unknown, secretKeys: readonly string[], depth = 0): unknown {
  if (depth > 64) return '[TRUNCATED]';
  if (Array.isArray(value)) return value.map((item) => redactArguments(item, secretKeys, depth + 1));
  if (value === null || typeof value !== 'object') {
    return typeof value === 'string' ? redactInlineSecrets(value) : value;
  }
  const lowered = secretKeys.map((key) => key.toLowerCase());
  const result: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    const lowerKey = key.toLowerCase();
    result[key] = lowered.some((secret) => lowerKey.includes(secret))
      ? '[REDACTED]'
      : redactArguments(inner, secretKeys, depth + 1);
  }
  return result;
}

// Bearer tokens and JWTs pasted into free text are secrets wherever they appear.
const INLINE_SECRET = /\b(Bearer\s+)[A-Za-z0-9\-._~+/]+=*|\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;

export function redactInlineSecrets(text: string): string {
  return text.replace(INLINE_SECRET, (_match, bearer: string | undefined) => `${bearer ?? ''}[REDACTED]`);
}
