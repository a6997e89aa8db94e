// OpenStreams: which open responses are cut off when their session's check fails, and which are kept.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type http from 'node:http';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { SessionError, type SessionErrorCode } from '../../gateway/consent/sessionErrors.ts';
import { OpenStreams } from '../../gateway/http/openStreams.ts';
import type { Principal } from '../../gateway/pipeline/decision.ts';

/** Like a ServerResponse: 'close' comes on a later tick, as it does from a socket. */
class FakeResponse extends EventEmitter {
  destroyed = false;
  writableFinished = false;
  destroy(): this {
    this.destroyed = true;
    setImmediate(() => this.emit('close'));
    return this;
  }
}

const principal = (session: string): Principal => ({ session, human: 'alice', agent: 'a', consentId: 'c' });
const tick = () => new Promise((resolve) => setTimeout(resolve, 40));

function setup(verdicts: Map<string, SessionErrorCode | 'ok' | 'hang'>, onClosed?: (session: string | null) => void) {
  const closed: Array<[string | null, string, number]> = [];
  const streams = new OpenStreams({
    intervalMs: 10,
    logger: pino({ level: 'silent' }),
    check: (sessionId) => {
      const verdict = verdicts.get(sessionId) ?? 'ok';
      if (verdict === 'hang') return new Promise((resolve) => setTimeout(resolve, 2000));
      return verdict === 'ok' ? Promise.resolve() : Promise.reject(new SessionError(verdict, verdict));
    },
    onClosed: (who, code, responses) => {
      closed.push([who.session, code, responses]);
      onClosed?.(who.session);
    },
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
    const verdicts = new Map<string, SessionErrorCode | 'ok' | 'hang'>();
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
    const verdicts = new Map<string, SessionErrorCode | 'ok' | 'hang'>([['sess-a', 'CONTROL_STORE_UNAVAILABLE']]);
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

  it('does not track a response that closed before it was handed over (the agent hung up early)', () => {
    const { streams } = setup(new Map());
    const gone = new FakeResponse();
    gone.destroyed = true;
    streams.track('sess-a', principal('sess-a'), gone as unknown as http.ServerResponse);
    assert.equal(streams.size, 0);
    streams.stop();
  });

  it('does not let one slow session check hold up the cut-off of another', async () => {
    const verdicts = new Map<string, SessionErrorCode | 'ok' | 'hang'>([['sess-slow', 'hang']]);
    const { streams, open } = setup(verdicts);
    // Checked last-tracked first: the slow one would go first and hold the other up if checks ran one by one.
    const revoked = open('sess-revoked');
    open('sess-slow');
    verdicts.set('sess-revoked', 'SESSION_REVOKED');
    await tick();
    assert.equal(revoked.destroyed, true);
    streams.stop();
  });

  it('survives a failing close listener and still closes the streams', async () => {
    const verdicts = new Map<string, SessionErrorCode | 'ok' | 'hang'>([['sess-a', 'CONSENT_EXPIRED']]);
    const { streams, open } = setup(verdicts, () => {
      throw new Error('listener failed');
    });
    const res = open('sess-a');
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
