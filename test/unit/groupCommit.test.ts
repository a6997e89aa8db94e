import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeadlineExceededError, GroupCommitter } from '../../audit/groupCommit.ts';
import { WriteLane } from '../../audit/writeLane.ts';

function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('GroupCommitter', () => {
  it('shares one write among callers that arrive while a write is in flight', async () => {
    const batches: number[][] = [];
    const gates: Array<ReturnType<typeof deferred>> = [];
    const committer = new GroupCommitter<number>({
      maxBatch: 100,
      write: (batch) => {
        batches.push(batch);
        const gate = deferred();
        gates.push(gate);
        return gate.promise;
      },
    });
    const first = committer.submit(1);
    const rest = [2, 3, 4, 5].map((n) => committer.submit(n));
    assert.deepEqual(batches, [[1]]);
    gates[0]!.resolve();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(batches, [[1], [2, 3, 4, 5]]);
    gates[1]!.resolve();
    await Promise.all(rest);
  });

  it('lingers before a write nobody is waiting on, so items arriving one at a time share it', async () => {
    const batches: number[][] = [];
    const committer = new GroupCommitter<number>({
      maxBatch: 3,
      lingerMs: 40,
      write: (batch) => {
        batches.push(batch);
        return Promise.resolve();
      },
    });
    const first = committer.submit(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = committer.submit(2);
    assert.deepEqual(batches, [], 'nothing written before the linger ends');
    await Promise.all([first, second]);
    assert.deepEqual(batches, [[1, 2]]);
    // A full batch does not wait.
    const full = [3, 4, 5].map((n) => committer.submit(n));
    assert.deepEqual(batches, [
      [1, 2],
      [3, 4, 5],
    ]);
    await Promise.all(full);
    // flushNow writes a lingering batch at once (shutdown).
    const last = committer.submit(6);
    committer.flushNow();
    assert.deepEqual(batches.at(-1), [6]);
    await last;
  });

  it('caps a batch at maxBatch', async () => {
    const sizes: number[] = [];
    const committer = new GroupCommitter<number>({
      maxBatch: 3,
      write: async (batch) => void sizes.push(batch.length),
    });
    await Promise.all(Array.from({ length: 7 }, (_, i) => committer.submit(i)));
    assert.ok(sizes.every((size) => size <= 3));
    assert.equal(
      sizes.reduce((a, b) => a + b, 0),
      7,
    );
  });

  it('fails every caller of a failed write', async () => {
    const committer = new GroupCommitter<number>({
      maxBatch: 10,
      write: async () => Promise.reject(new Error('store down')),
    });
    const results = await Promise.allSettled([committer.submit(1), committer.submit(2)]);
    assert.ok(results.every((result) => result.status === 'rejected'));
  });

  it('never writes an item whose caller already gave up', async () => {
    const written: number[] = [];
    const gate = deferred();
    const committer = new GroupCommitter<number>({
      maxBatch: 10,
      write: async (batch) => {
        written.push(...batch);
        if (batch.includes(1)) await gate.promise;
      },
    });
    const slow = committer.submit(1);
    const expired = committer.submit(2, 20);
    await assert.rejects(expired, DeadlineExceededError);
    gate.resolve();
    await slow;
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(written, [1]);
  });

  it('bounds a batch write by its earliest deadline', async () => {
    const timeouts: Array<number | undefined> = [];
    const committer = new GroupCommitter<number>({
      maxBatch: 10,
      write: async (_batch, timeoutMs) => void timeouts.push(timeoutMs),
    });
    await committer.submit(1, 500);
    await committer.submit(2);
    assert.ok(timeouts[0]! > 0 && timeouts[0]! <= 500);
    assert.equal(timeouts[1], undefined);
  });
});

describe('WriteLane', () => {
  it('lets one committer write at a time, the first to join going first when both wait', async () => {
    const log: string[] = [];
    const gates: Array<ReturnType<typeof deferred>> = [];
    const lane = new WriteLane();
    const committer = (name: string) =>
      new GroupCommitter<number>({
        maxBatch: 100,
        lane,
        write: (batch) => {
          log.push(`${name}:${batch.join(',')}`);
          const gate = deferred();
          gates.push(gate);
          return gate.promise;
        },
      });
    const decisions = committer('decisions');
    const outcomes = committer('outcomes');
    const o1 = outcomes.submit(1);
    const d1 = decisions.submit(10);
    const o2 = outcomes.submit(2);
    assert.deepEqual(log, ['outcomes:1'], 'the lane is taken: nothing else is written meanwhile');
    gates[0]!.resolve();
    await o1;
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(log, ['outcomes:1', 'decisions:10'], 'decisions go before waiting outcomes');
    gates[1]!.resolve();
    await d1;
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(log, ['outcomes:1', 'decisions:10', 'outcomes:2']);
    gates[2]!.resolve();
    await o2;
  });
});
