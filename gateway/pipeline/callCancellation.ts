// A call's cancellation without an AbortController per call. The direct tools/call path and the
// undici caller only need what is below (aborted, reason, a listener object); an AbortController
// and its signal cost ~25 µs of CPU per call in the benchmarks (EventTarget machinery). The SDK's
// client wants a real AbortSignal: `toAbortSignal` makes one only on that path.

/** The part of AbortSignal the call pipeline uses; a real AbortSignal is one. */
export interface CancelSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: EventListenerObject, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: EventListenerObject): void;
}

export class CallCancellation implements CancelSignal {
  aborted = false;
  reason: unknown = undefined;
  private listeners: EventListenerObject[] = [];
  private controller: AbortController | null = null;

  addEventListener(_type: 'abort', listener: EventListenerObject): void {
    if (!this.aborted) this.listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: EventListenerObject): void {
    const index = this.listeners.indexOf(listener);
    if (index !== -1) this.listeners.splice(index, 1);
  }

  /** Idempotent; listeners run once, in the order they were added (as with { once: true }). */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = [];
    const event = new Event('abort');
    for (const listener of listeners) listener.handleEvent(event);
    this.controller?.abort(reason);
  }

  /** A real AbortSignal that follows this cancellation (made on first use). */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }
}

export function toAbortSignal(signal: CancelSignal): AbortSignal {
  if (signal instanceof AbortSignal) return signal;
  if (signal instanceof CallCancellation) return signal.signal;
  throw new TypeError('toAbortSignal: not an AbortSignal or a CallCancellation');
}
