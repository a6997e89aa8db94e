// Simulated work that stops as soon as the request is cancelled.
import { setTimeout as sleep } from 'node:timers/promises';

/** Waits `ms`; resolves `false` instead of throwing when `signal` aborts first, so callers can return partial work. */
export async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch (error) {
    if (signal.aborted) return false;
    throw error;
  }
}
