import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkHostAndOrigin, defaultAllowedHosts } from '../../gateway/http/hostGuard.ts';

const options = {
  allowedHosts: new Set(defaultAllowedHosts('127.0.0.1', 7410, undefined)),
  allowedOrigins: new Set(['http://localhost:6274']),
};

describe('host guard', () => {
  it('accepts local hosts and requests without Origin', () => {
    assert.deepEqual(checkHostAndOrigin('127.0.0.1:7410', undefined, options), { ok: true });
    assert.deepEqual(checkHostAndOrigin('LOCALHOST:7410', undefined, options), { ok: true });
  });

  it('refuses a rebinding Host and a missing Host', () => {
    assert.equal(checkHostAndOrigin('evil.example:7410', undefined, options).ok, false);
    assert.equal(checkHostAndOrigin(undefined, undefined, options).ok, false);
  });

  it('refuses browser origins that were not configured', () => {
    const verdict = checkHostAndOrigin('127.0.0.1:7410', 'https://evil.example', options);
    assert.deepEqual(verdict, { ok: false, status: 403, reason: "Origin 'https://evil.example' is not allowed" });
    assert.deepEqual(checkHostAndOrigin('127.0.0.1:7410', 'http://localhost:6274', options), { ok: true });
  });
});
