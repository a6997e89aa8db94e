import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactArguments, redactInlineSecrets } from '../../audit/redact.ts';

const KEYS = ['password', 'token', 'apiKey', 'secret'];

describe('redactArguments', () => {
  it('replaces values of secret-looking keys at any depth, case-insensitively', () => {
    const redacted = redactArguments(
      { user: 'ann', Password: 'hunter2', nested: [{ accessToken: 'abc', note: 'ok' }] },
      KEYS,
    );
    assert.deepEqual(redacted, {
      user: 'ann',
      Password: '[REDACTED]',
      nested: [{ accessToken: '[REDACTED]', note: 'ok' }],
    });
  });

  it('scrubs bearer tokens and JWTs inside free text', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbm4ifQ.c2lnbmF0dXJl';
    assert.equal(redactInlineSecrets(`use Bearer abc.def-123 then ${jwt}`), 'use Bearer [REDACTED] then [REDACTED]');
  });

  it('leaves ordinary values alone', () => {
    assert.deepEqual(redactArguments({ query: 'database outage', limit: 5, open: true, tags: null }, KEYS), {
      query: 'database outage',
      limit: 5,
      open: true,
      tags: null,
    });
  });
});
