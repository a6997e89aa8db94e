// Pacing for commands that follow the store by polling (`audit tail`). FerretDB pushes no filter
// or sort but `_id` equality down to SQLite, so every poll of the trail reads every record (13.6 s
// for the latest 20 of 100,000 records on the dev machine). Polling at a fixed interval would then
// keep the store busy without pause, and the gateway's audit writes, which calls wait on, would
// queue behind the reads. Waiting at least twice as long as the last read took keeps a follower's
// share of the store at a third or less, whatever the size of the trail.

/** Milliseconds to wait before the next poll. */
export function nextPollDelayMs(intervalMs: number, lastQueryMs: number): number {
  return Math.max(intervalMs, Math.ceil(2 * lastQueryMs));
}

/** A read this slow is worth telling the person following (once): updates will come less often. */
export const SLOW_POLL_MS = 1000;
