// Group commit: concurrent callers share one write. While a batch is in flight, new items queue;
// when it lands, everything queued goes out in the next batch. One caller alone pays one round
// trip; a thousand concurrent callers pay a handful.
//
// Each item may carry a deadline. An item whose caller has given up is never written afterwards
// (it is dropped from the queue), and a batch's write is bounded by its earliest deadline, so the
// store never receives a record for a caller that was already told "failed".

import type { WriteLane } from './writeLane.ts';

export interface GroupCommitOptions<T> {
  maxBatch: number;
  /** `timeoutMs` is the time left before the batch's earliest deadline (undefined: no deadline). */
  write: (batch: T[], timeoutMs: number | undefined) => Promise<void>;
  /**
   * Wait this long before writing a batch that is not full, so that writes nobody waits on
   * (outcomes) share commands even when calls arrive one at a time. 0 (the default) writes at once:
   * decision records are on the caller's path.
   */
  lingerMs?: number;
  onBatch?: (size: number, seconds: number) => void;
  /** Shared with other committers writing to the same store: one write in flight among them all. */
  lane?: WriteLane;
}

export class DeadlineExceededError extends Error {
  readonly code = 'DEADLINE_EXCEEDED';
  constructor(waitedMs: number) {
    super(`not written within ${waitedMs} ms`);
    this.name = 'DeadlineExceededError';
  }
}

/** One submitted item: settles once, by the write or by its deadline. A class, not closures: this is per call. */
class Pending<T> {
  settled = false;
  timer: NodeJS.Timeout | undefined;
  constructor(
    readonly item: T,
    readonly deadline: number,
    private readonly onResolve: () => void,
    private readonly onReject: (error: Error) => void,
  ) {}

  resolve(): void {
    if (this.settle()) this.onResolve();
  }

  reject(error: unknown): void {
    if (this.settle()) this.onReject(error instanceof Error ? error : new Error(String(error)));
  }

  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    clearTimeout(this.timer);
    return true;
  }
}

const isSettled = (pending: Pending<unknown>): boolean => pending.settled;
const isLive = (pending: Pending<unknown>): boolean => !pending.settled;
const itemOf = <T>(pending: Pending<T>): T => pending.item;

function expire<T>(pending: Pending<T>, timeoutMs: number): void {
  pending.reject(new DeadlineExceededError(timeoutMs));
}

export class GroupCommitter<T> {
  private queue: Pending<T>[] = [];
  private inFlight = false;
  private lingerTimer: NodeJS.Timeout | null = null;
  /** The linger elapsed (or a flush was asked): write as soon as the lane allows. */
  private ready = false;

  constructor(private readonly options: GroupCommitOptions<T>) {
    options.lane?.join(this);
  }

  /** Resolves when the item is written; rejects if the write fails or `timeoutMs` passes first. */
  submit(item: T, timeoutMs?: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const deadline = timeoutMs === undefined ? Number.POSITIVE_INFINITY : performance.now() + timeoutMs;
      const pending = new Pending(item, deadline, resolve, reject);
      if (timeoutMs !== undefined) pending.timer = setTimeout(expire, timeoutMs, pending, timeoutMs);
      this.queue.push(pending);
      this.pump();
    });
  }

  get queued(): number {
    return this.queue.length;
  }

  /** Writes whatever is lingering now (shutdown). */
  flushNow(): void {
    this.ready = true;
    this.pump();
  }

  /** The shared lane freed up. */
  wake(): void {
    this.pump();
  }

  private pump(): void {
    if (this.inFlight) return;
    const linger = this.options.lingerMs ?? 0;
    if (linger > 0 && !this.ready && this.queue.length > 0 && this.queue.length < this.options.maxBatch) {
      this.lingerTimer ??= setTimeout(() => {
        this.lingerTimer = null;
        this.ready = true;
        this.pump();
      }, linger);
      return;
    }
    // Checked before the queue is touched: every submit while another write holds the lane comes
    // here, and filtering the whole queue each time made a batch cost O(n²) (21 µs per call at
    // 64 in flight in the benchmarks).
    if (this.options.lane?.busy) return; // woken when it frees up
    // Drop items whose callers already gave up: they were told the write failed.
    if (this.queue.some(isSettled)) this.queue = this.queue.filter(isLive);
    if (this.queue.length === 0) return;
    this.options.lane?.acquire();
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    this.ready = false;
    const batch = this.queue.splice(0, this.options.maxBatch);
    let earliest = Number.POSITIVE_INFINITY;
    for (const pending of batch) if (pending.deadline < earliest) earliest = pending.deadline;
    const timeoutMs = Number.isFinite(earliest) ? Math.max(1, Math.floor(earliest - performance.now())) : undefined;
    this.inFlight = true;
    const started = performance.now();
    this.options
      .write(batch.map(itemOf), timeoutMs)
      .then(
        () => {
          this.options.onBatch?.(batch.length, (performance.now() - started) / 1000);
          for (const pending of batch) pending.resolve();
        },
        (error: unknown) => {
          for (const pending of batch) pending.reject(error);
        },
      )
      .finally(() => {
        this.inFlight = false;
        this.options.lane?.release();
        this.pump();
      });
  }
}
