// MCP 2026-07-28 header value encoding (Mcp-Name, Mcp-Param-*): a value that is safe plain ASCII
// passes through unchanged, anything else is sent as `=?base64?{utf-8 base64}?=`. Same rule as the
// SDK client applies, so upstreams see identical headers whichever path sent the call.
const PREFIX = '=?base64?';
const SUFFIX = '?=';

function needsBase64(value: string): boolean {
  if (value.length === 0) return true;
  if (value.startsWith(PREFIX) && value.endsWith(SUFFIX)) return true;
  if (value !== value.trim()) return true;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c !== 9 && (c < 32 || c > 126)) return true;
  }
  return false;
}

export function encodeMcpHeaderValue(value: string): string {
  return needsBase64(value) ? `${PREFIX}${Buffer.from(value, 'utf8').toString('base64')}${SUFFIX}` : value;
}

/** Decodes a header sent with the rule above; returns null for a malformed base64 wrapper. */
export function decodeMcpHeaderValue(value: string): string | null {
  if (!(value.startsWith(PREFIX) && value.endsWith(SUFFIX) && value.length >= PREFIX.length + SUFFIX.length)) {
    return value;
  }
  const encoded = value.slice(PREFIX.length, value.length - SUFFIX.length);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) return null;
  return Buffer.from(encoded, 'base64').toString('utf8');
}
