// `audit tail` paces its polls by how long the store took to answer the last one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextPollDelayMs } from '../../cli/pollPacing.ts';

describe('nextPollDelayMs', () => {
  it('keeps the asked interval while the store answers quickly', () => {
    assert.equal(nextPollDelayMs(500, 3), 500);
    assert.equal(nextPollDelayMs(500, 250), 500);
  });

  it('waits twice as long as a slow read took, so a follower never keeps the store busy', () => {
    assert.equal(nextPollDelayMs(500, 400), 800);
    assert.equal(nextPollDelayMs(500, 13_646), 27_292);
    assert.equal(nextPollDelayMs(500, 0.4), 500);
  });
});
