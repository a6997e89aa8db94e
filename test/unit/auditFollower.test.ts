// AuditFollower: what `audit tail` prints on each poll, against a trail held in memory and read
// the way the command reads the store (records with time ≥ the window start, in _id order).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuditFollower, OUTCOME_GRACE_MS, REREAD_WINDOW_MS } from '../../cli/auditFollower.ts';
import { newAuditId, securityEventRecord, type AuditDecisionRecord } from '../../audit/record.ts';

const T0 = Date.UTC(2026, 11, 2, 6, 0, 0);

/** A record as read from the store at gateway time `at`; `outcome: null` until it lands. */
function record(at: number, outcome: AuditDecisionRecord['outcome'] = 'ok'): AuditDecisionRecord {
  const base = securityEventRecord({ code: 'X', message: 'x', gatewayInstance: 'gw-1' });
  return { ...base, _id: newAuditId(at), time: new Date(at), decision: 'allow', outcome };
}

class Trail {
  readonly records: AuditDecisionRecord[] = [];
  add(...records: AuditDecisionRecord[]): void {
    this.records.push(...records);
  }
  land(target: AuditDecisionRecord, outcome: AuditDecisionRecord['outcome'] = 'ok'): void {
    const stored = this.records.find((candidate) => candidate._id === target._id);
    assert.ok(stored);
    stored.outcome = outcome;
  }
  read(start: Date | null): AuditDecisionRecord[] {
    return this.records
      .filter((candidate) => start === null || candidate.time >= start)
      .map((candidate) => ({ ...candidate }))
      .sort((a, b) => (a._id < b._id ? -1 : 1));
  }
}

/** `shown`: the initial lines; `earlier`: in the trail already but not shown (older ones). */
function harness(shown: AuditDecisionRecord[] = [], earlier: AuditDecisionRecord[] = []) {
  const trail = new Trail();
  trail.add(...earlier, ...shown);
  let now = T0;
  const follower = new AuditFollower(() => now);
  follower.prime(shown);
  const start = follower.windowStart();
  if (start) follower.prime([], trail.read(start));
  const printed: string[] = [];
  const poll = (advanceMs = 0): AuditDecisionRecord[] => {
    now += advanceMs;
    const out = follower.take(trail.read(follower.windowStart()));
    printed.push(...out.map((item) => item._id));
    return out;
  };
  return { trail, follower, poll, printed, setNow: (value: number) => (now = value) };
}

describe('AuditFollower', () => {
  it('prints each new record once, however often its window is read again', () => {
    const first = record(T0 - 100);
    const { trail, poll, printed } = harness([first]);
    const a = record(T0 + 10);
    const b = record(T0 + 20);
    trail.add(a, b);
    assert.deepEqual(
      poll(100).map((item) => item._id),
      [a._id, b._id],
    );
    for (let i = 0; i < 5; i += 1) assert.deepEqual(poll(100), []);
    assert.deepEqual(printed, [a._id, b._id]);
  });

  it('does not print older records of the first window that the initial lines left out', () => {
    const older = record(T0 - 3000); // inside the first window, but older than what was shown
    const shown = record(T0 - 1000);
    const { follower, poll } = harness([shown], [older]);
    assert.ok(follower.windowStart()! <= older.time);
    assert.deepEqual(poll(100), []);
  });

  it('holds a record back until its outcome lands, then prints it once, finished', () => {
    const { trail, poll } = harness([record(T0 - 100)]);
    const running = record(T0 + 5, null);
    trail.add(running);
    assert.deepEqual(poll(100), []);
    trail.land(running, 'tool-error');
    const out = poll(100);
    assert.equal(out.length, 1);
    assert.equal(out[0]?.outcome, 'tool-error');
    assert.deepEqual(poll(100), []);
  });

  it('prints a call still in flight after the grace, as pending, once', () => {
    const { trail, poll } = harness([record(T0 - 100)]);
    const running = record(T0 + 5, null);
    trail.add(running);
    assert.deepEqual(poll(100), []);
    const out = poll(OUTCOME_GRACE_MS);
    assert.equal(out.length, 1);
    assert.equal(out[0]?.outcome, null);
    trail.land(running);
    assert.deepEqual(poll(100), [], 'printed once: its outcome arriving later does not print it again');
  });

  it('keeps a held record in reach when polls are far apart and newer records move on', () => {
    const { trail, poll, printed } = harness([record(T0 - 100)]);
    // Polls 27 s apart (a slow store): by the time one runs, the trail holds a call still
    // running and a record written well past the re-read window after it.
    const running = record(T0 + 5, null);
    const muchLater = record(T0 + 2 * REREAD_WINDOW_MS);
    trail.add(running, muchLater);
    assert.deepEqual(
      poll(27_000).map((item) => item._id),
      [muchLater._id],
    );
    trail.land(running);
    const out = poll(27_000);
    assert.deepEqual(
      out.map((item) => item._id),
      [running._id],
    );
    assert.equal(out[0]?.outcome, 'ok');
    assert.equal(new Set(printed).size, printed.length);
  });

  it('times the grace from its own clock, not the gateway time in the record', () => {
    const { trail, poll } = harness([record(T0 - 100)]);
    // The gateway's clock runs 30 s ahead of the follower's.
    const running = record(T0 + 30_000, null);
    trail.add(running);
    assert.deepEqual(poll(100), []);
    assert.equal(poll(OUTCOME_GRACE_MS).length, 1);
  });

  it('reads everything while the trail is empty, then follows from the first record', () => {
    const { trail, follower, poll } = harness([]);
    assert.equal(follower.windowStart(), null);
    assert.deepEqual(poll(100), []);
    const first = record(T0 + 60_000); // whatever the follower's clock says
    trail.add(first);
    assert.deepEqual(
      poll(100).map((item) => item._id),
      [first._id],
    );
    assert.equal(follower.windowStart()?.getTime(), first.time.getTime() - REREAD_WINDOW_MS);
  });

  it('forgets printed ids once no window can reach them, without printing anything twice', () => {
    const { trail, poll, printed } = harness([record(T0 - 100)]);
    for (let i = 0; i < 200; i += 1) {
      trail.add(record(T0 + i * 250));
      poll(250);
    }
    assert.equal(printed.length, 200);
    assert.equal(new Set(printed).size, 200);
  });
});
