import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../../observability/logger.ts';

describe('logger redaction', () => {
  it('never writes Authorization headers or tokens', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString());
        callback();
      },
    });
    const logger = createLogger({ destination });
    logger.info(
      { req: { headers: { authorization: 'Bearer abc123' } }, token: 'tok-456', nested: { token: 'tok-789' } },
      'request',
    );
    logger.flush();
    await new Promise((resolve) => setImmediate(resolve));
    const text = lines.join('');
    assert.match(text, /\[REDACTED\]/);
    for (const secret of ['abc123', 'tok-456', 'tok-789']) assert.ok(!text.includes(secret), `${secret} leaked`);
  });
});
