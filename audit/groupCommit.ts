// Group commit: concurrent callers share one write. While a batch is in flight, new items queue;
// when it lands, everything queued goes out in the next batch. One caller alone pays one round
// trip; a thousand concurrent callers pay a handful.
//
// Each item may carry a deadline. An item whose caller has given up is never written afterwards
// (it is dropped from the queue), and a batch's write is bounded by its earliest deadline, so the
// store never receives a record for a caller that was already told "failed".

export interface GroupCommitOptions<T> {
  maxBatch: number;
  /** `timeoutMs` is the time left before the batch's earliest deadline (undefined: no deadline). */
  write: (batch: T[], timeoutMs: number | undefined) => Promise<void>;
  onBatch?: (size: number, seconds: number) => void;
}

export class DeadlineExceededError extends Error {
  readonly code = 'DEADLINE_EXCEEDED';
  constructor(waitedMs: number) {
    super(`not written within ${waitedMs} ms`);
    this.name = 'DeadlineExceededError';
  }
}

interface Pending<T> {
  item: T;
  deadline: number;
  settled: boolean;
  timer: NodeJS.Timeout | undefined;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class GroupCommitter<T> {
  private queue: Pending<T>[] = [];
  private inFlight = false;

  constructor(private readonly options: GroupCommitOptions<T>) {}

  /** Resolves when the item is written; rejects if the write fails or `timeoutMs` passes first. */
  submit(item: T, timeoutMs?: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const pending: Pending<T> = {
        item,
        deadline: timeoutMs === undefined ? Number.POSITIVE_INFINITY : performance.now() + timeoutMs,
        settled: false,
        timer: undefined,
        resolve: () => settle(() => resolve()),
        reject: (error) => settle(() => reject(error instanceof Error ? error : new Error(String(error)))),
      };
      const settle = (finish: () => void) => {
        if (pending.settled) return;
        pending.settled = true;
        clearTimeout(pending.timer);
        finish();
      };
      if (timeoutMs !== undefined) {
        pending.timer = setTimeout(() => pending.reject(new DeadlineExceededError(timeoutMs)), timeoutMs);
      }
      this.queue.push(pending);
      this.pump();
    });
  }

  get queued(): number {
    return this.queue.length;
  }

  private pump(): void {
    if (this.inFlight) return;
    // Drop items whose callers already gave up: they were told the write failed.
    this.queue = this.queue.filter((pending) => !pending.settled);
    if (this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.options.maxBatch);
    const earliest = Math.min(...batch.map((pending) => pending.deadline));
    const timeoutMs = Number.isFinite(earliest) ? Math.max(1, Math.floor(earliest - performance.now())) : undefined;
    this.inFlight = true;
    const started = performance.now();
    this.options
      .write(
        batch.map((pending) => pending.item),
        timeoutMs,
      )
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
        this.pump();
      });
  }
}
