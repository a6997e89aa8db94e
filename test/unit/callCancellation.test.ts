import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CallCancellation, toAbortSignal } from '../../gateway/pipeline/callCancellation.ts';

const listener = () => {
  const calls: string[] = [];
  return { calls, handleEvent: (event: Event) => void calls.push(event.type) };
};

describe('CallCancellation', () => {
  test('runs each listener once, in order, and remembers the reason', () => {
    const cancellation = new CallCancellation();
    const order: string[] = [];
    cancellation.addEventListener('abort', { handleEvent: () => void order.push('first') });
    cancellation.addEventListener('abort', { handleEvent: () => void order.push('second') });
    const reason = new Error('the client closed the connection');
    cancellation.abort(reason);
    cancellation.abort(new Error('again'));
    assert.deepEqual(order, ['first', 'second']);
    assert.equal(cancellation.aborted, true);
    assert.equal(cancellation.reason, reason);
  });

  test('a removed listener is not called', () => {
    const cancellation = new CallCancellation();
    const kept = listener();
    const removed = listener();
    cancellation.addEventListener('abort', kept);
    cancellation.addEventListener('abort', removed);
    cancellation.removeEventListener('abort', removed);
    cancellation.abort('cancelled');
    assert.deepEqual(kept.calls, ['abort']);
    assert.deepEqual(removed.calls, []);
  });

  test('its AbortSignal (made on demand) follows an abort before or after it was made', () => {
    const early = new CallCancellation();
    const signal = early.signal;
    assert.equal(signal.aborted, false);
    early.abort('stop');
    assert.equal(signal.aborted, true);
    assert.equal(signal.reason, 'stop');

    const late = new CallCancellation();
    late.abort('already');
    assert.equal(late.signal.aborted, true);
    assert.equal(late.signal.reason, 'already');
    assert.equal(late.signal, late.signal, 'one signal per cancellation');
  });

  test('toAbortSignal passes real signals through and converts cancellations', () => {
    const controller = new AbortController();
    assert.equal(toAbortSignal(controller.signal), controller.signal);
    const cancellation = new CallCancellation();
    assert.ok(toAbortSignal(cancellation) instanceof AbortSignal);
  });
});
