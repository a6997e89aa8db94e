// OpenStreams: which open responses are cut off when their session's check fails, and which are kept.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type http from 'node:http';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { SessionError, type SessionErrorCode } from '../../gateway/consent/sessionErrors.ts';
import { OpenStreams } from '../../gateway/http/openStreams.ts';
import type { Principal } from '../../gateway/pipeline/decision.ts';

class FakeResponse extends EventEmitter {
  destroyed = false;
  destroy(): this {
    this.destroyed = true;
    this.emit('close');
    return this;
  }
}

const principal = (session: string): Principal => ({ session, human: 'alice', agent: 'a', consentId: 'c' });
const tick = () => new Promise((resolve) => setTimeout(resolve, 40));

function setup(verdicts: Map<string, SessionErrorCode | 'ok'>) {
  const closed: Array<[string | null, string, number]> = [];
  const streams = new OpenStreams({
    intervalMs: 10,
    logger: pino({ level: 'silent' }),
    check: (sessionId) => {
      const verdict = verdicts.get(sessionId) ?? 'ok';
      return verdict === 'ok' ? Promise.resolve() : Promise.reject(new SessionError(verdict, verdict));
    },
    onClosed: (who, code, responses) => closed.push([who.session, code, responses]),
  });
  const open = (session: string) => {
    const res = new FakeResponse();
    streams.track(session, principal(session), res as unknown as http.ServerResponse);
    return res;
  };
  return { streams, closed, open };
}

describe('OpenStreams', () => {
  it('destroys every open response of a session that may no longer be used, and only those', async () => {
    const verdicts = new Map<string, SessionErrorCode | 'ok'>();
    const { streams, closed, open } = setup(verdicts);
    const a1 = open('sess-a');
    const a2 = open('sess-a');
    const b = open('sess-b');
    await tick();
    assert.equal(streams.size, 3);
    verdicts.set('sess-a', 'SESSION_PAUSED');
    await tick();
    assert.equal(a1.destroyed && a2.destroyed, true);
    assert.equal(b.destroyed, false);
    assert.deepEqual(closed, [['sess-a', 'SESSION_PAUSED', 2]]);
    assert.equal(streams.size, 1);
    streams.stop();
  });

  it('keeps streams open while the store cannot be reached: nothing says the session was cut off', async () => {
    const verdicts = new Map<string, SessionErrorCode | 'ok'>([['sess-a', 'CONTROL_STORE_UNAVAILABLE']]);
    const { streams, closed, open } = setup(verdicts);
    const res = open('sess-a');
    await tick();
    assert.equal(res.destroyed, false);
    assert.deepEqual(closed, []);
    verdicts.set('sess-a', 'CONSENT_REVOKED');
    await tick();
    assert.equal(res.destroyed, true);
    streams.stop();
  });

  it('forgets responses that finished on their own', async () => {
    const { streams, open } = setup(new Map());
    const res = open('sess-a');
    res.emit('close');
    assert.equal(streams.size, 0);
    streams.stop();
  });
});
