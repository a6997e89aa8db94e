// Group commit: concurrent callers share one write. While a batch is in flight, new items queue;
// when it lands, everything queued goes out in the next batch. One caller alone pays one round
// trip; a thousand concurrent callers pay a handful.

export interface GroupCommitOptions<T> {
  maxBatch: number;
  write: (batch: T[]) => Promise<void>;
  onBatch?: (size: number, seconds: number) => void;
}

interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class GroupCommitter<T> {
  private queue: Pending<T>[] = [];
  private inFlight = 0;
  // One batch in flight at a time keeps the store's load bounded and batches large under load.
  private readonly maxInFlight = 1;

  constructor(private readonly options: GroupCommitOptions<T>) {}

  submit(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  get queued(): number {
    return this.queue.length;
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.inFlight++;
      const started = performance.now();
      this.options
        .write(batch.map((pending) => pending.item))
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
          this.inFlight--;
          this.pump();
        });
    }
  }
}
