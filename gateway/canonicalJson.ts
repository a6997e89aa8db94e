// Canonical JSON (sorted keys, no whitespace) and its SHA-256. Argument hashes and tool-definition
// hashes must not depend on key order: approvals are bound to them, and a retried call must hash alike.
import { hash } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  }
  const entries = Object.keys(value as Record<string, unknown>)
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}

/** One-shot `crypto.hash` (Node ≥ 20.12): half the cost of createHash().update().digest() per call. */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

export function canonicalHash(value: unknown): string {
  return `sha256:${sha256Hex(canonicalJson(value))}`;
}
