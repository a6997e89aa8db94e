import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalHash, canonicalJson } from '../../gateway/canonicalJson.ts';

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined members', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } }),
      '{"a":{"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('hashes equal values alike regardless of key order', () => {
    assert.equal(canonicalHash({ id: 'INC-1', force: true }), canonicalHash({ force: true, id: 'INC-1' }));
  });

  it('hashes different arguments differently (approvals bind to exact values)', () => {
    assert.notEqual(canonicalHash({ id: 'INC-1' }), canonicalHash({ id: 'INC-2' }));
    assert.notEqual(canonicalHash({ n: 1 }), canonicalHash({ n: '1' }));
  });
});
