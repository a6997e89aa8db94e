// What `countersign audit tail` prints while following. FerretDB has no change streams, so the
// trail is polled by time, re-reading a window before the newest record printed so that records
// committed out of order (group commit, several replicas) are not missed. This class decides,
// for each poll, which records are new; reading the store and printing are the caller's.
//
// - A record is printed once: ids are remembered for as long as a window can still contain them.
// - A record whose outcome has not landed yet is held back for a moment so it is printed once,
//   finished, rather than as "pending" for a call that already answered; one still pending after
//   the grace is a call in flight and is printed as such. The grace is timed from when this
//   process first read the record, so a gateway clock ahead of ours cannot stretch it.
// - The window reaches back to the oldest held record too: polls may be far apart (pollPacing.ts),
//   and a held record must be read again however far `since` has moved meanwhile.
import type { AuditDecisionRecord } from '../audit/record.ts';

/** How far before the newest printed record each poll reads again. */
export const REREAD_WINDOW_MS = 5000;
/** How long a record without its outcome is held back, from when it was first read. */
export const OUTCOME_GRACE_MS = 1000;

interface Held {
  record: AuditDecisionRecord;
  firstReadAt: number;
}

export class AuditFollower {
  /** Printed ids, with their record time (dropped once no window can reach them). */
  private readonly printed = new Map<string, number>();
  private readonly held = new Map<string, Held>();
  /** Time of the newest record printed or primed; null while the trail is empty. */
  private since: Date | null = null;

  constructor(private readonly clock: () => number = Date.now) {}

  /**
   * Marks the records already shown (the initial `-n` lines) and everything in the first window
   * that is not newer than them, so the first poll does not print older records out of order.
   */
  prime(shown: readonly AuditDecisionRecord[], window: readonly AuditDecisionRecord[] = []): void {
    for (const record of shown) this.markPrinted(record);
    if (this.since === null) return;
    for (const record of window) if (record.time <= this.since) this.markPrinted(record);
  }

  /** The time the next read must start from (records with `time >= it`); null: read everything. */
  windowStart(): Date | null {
    if (this.since === null) return null;
    let earliest = this.since.getTime();
    for (const { record } of this.held.values()) earliest = Math.min(earliest, record.time.getTime());
    return new Date(earliest - REREAD_WINDOW_MS);
  }

  /** Given what a read from `windowStart()` returned (in `_id` order), the records to print now. */
  take(read: readonly AuditDecisionRecord[]): AuditDecisionRecord[] {
    const now = this.clock();
    const out: AuditDecisionRecord[] = [];
    const readIds = new Set<string>();
    for (const record of read) {
      readIds.add(record._id);
      if (this.printed.has(record._id)) continue;
      if (record.outcome === null) {
        const held = this.held.get(record._id) ?? { record, firstReadAt: now };
        held.record = record;
        this.held.set(record._id, held);
        if (now - held.firstReadAt < OUTCOME_GRACE_MS) continue;
      }
      out.push(record);
    }
    // Held past the grace but not read again (the store lost it, or a read limit): print what we have.
    for (const [id, held] of this.held) {
      if (!readIds.has(id) && now - held.firstReadAt >= OUTCOME_GRACE_MS) out.push(held.record);
    }
    for (const record of out) this.markPrinted(record);
    this.forgetUnreachable();
    return out;
  }

  private markPrinted(record: AuditDecisionRecord): void {
    this.held.delete(record._id);
    this.printed.set(record._id, record.time.getTime());
    if (this.since === null || record.time > this.since) this.since = record.time;
  }

  /** A printed id older than any window can still reach is never read again. */
  private forgetUnreachable(): void {
    const start = this.windowStart();
    if (start === null) return;
    // A record held later is read from the current window, so no window starts before this.
    const reachable = start.getTime() - REREAD_WINDOW_MS;
    for (const [id, time] of this.printed) if (time < reachable) this.printed.delete(id);
  }
}
