import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ArgumentsInvalidError, ArgumentsTooDeepError, ArgumentsTooLargeError } from '../../gateway/errors.ts';
import { checkArguments } from '../../gateway/pipeline/argumentLimits.ts';

const limits = { maxArgumentBytes: 1024, maxArgumentDepth: 4 };

describe('checkArguments', () => {
  it('accepts an object within the limits and treats missing arguments as {}', () => {
    assert.deepEqual(checkArguments({ a: { b: { c: 1 } } }, limits), { args: { a: { b: { c: 1 } } }, sizeBytes: 19 });
    assert.deepEqual(checkArguments(undefined, limits).args, {});
  });

  it('rejects non-objects', () => {
    assert.throws(() => checkArguments([1, 2], limits), ArgumentsInvalidError);
    assert.throws(() => checkArguments('x', limits), ArgumentsInvalidError);
  });

  it('rejects nesting past the limit, even hostile depths, without recursion', () => {
    assert.throws(() => checkArguments({ a: { b: { c: { d: { e: 1 } } } } }, limits), ArgumentsTooDeepError);
    let hostile: Record<string, unknown> = {};
    for (let i = 0; i < 100_000; i++) hostile = { hostile };
    assert.throws(() => checkArguments(hostile, limits), ArgumentsTooDeepError);
  });

  it('rejects arguments over the byte limit and says by how much', () => {
    assert.throws(
      () => checkArguments({ blob: 'x'.repeat(2000) }, limits),
      (error: unknown) =>
        error instanceof ArgumentsTooLargeError && error.limitBytes === 1024 && error.sizeBytes > 2000,
    );
  });
});
