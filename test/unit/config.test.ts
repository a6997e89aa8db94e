import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, parseConfigText, parseEnv } from '../../config/load.ts';

const minimal = `
upstreams:
  - name: incidents
    transport: stdio
    command: node
    args: [server.js]
`;

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('config', () => {
  it('fills safe defaults around a minimal file', () => {
    const config = parseConfigText(minimal, 'test');
    assert.equal(config.gateway.host, '127.0.0.1');
    assert.equal(config.gateway.port, 7410);
    assert.equal(config.gateway.legacySessions.enabled, true);
    assert.equal(config.audit.writeTimeoutMs, 2000);
    assert.deepEqual(config.upstreams[0]?.transport === 'stdio' && config.upstreams[0].envPassthrough, []);
  });

  it('names the field, the value found and what was expected', () => {
    const [problem] = problems(() => parseConfigText(`${minimal}gateway:\n  port: 99999\n`, 'test'));
    assert.match(problem!, /^gateway\.port: .*65535.* \(found 99999\)$/);
    const [upstream] = problems(() =>
      parseConfigText('upstreams:\n  - name: Bad Name\n    transport: http\n    url: ftp://x\n', 'test'),
    );
    assert.match(upstream!, /upstreams\.0\.name: lower-case letters.*\(found "Bad Name"\)/);
  });

  it('rejects unknown keys (typos must not silently disable a setting)', () => {
    const found = problems(() => parseConfigText(`${minimal}gateway:\n  prot: 1\n`, 'test'));
    assert.match(found.join('\n'), /gateway.*prot/);
  });

  it('reports YAML syntax errors', () => {
    assert.match(problems(() => parseConfigText('upstreams: [\n', 'test')).join('\n'), /YAML syntax/);
  });

  it('validates environment variables without echoing their values', () => {
    const found = problems(() => parseEnv({ MONGODB_URI: 'postgres://secret-password@x', TEMPORAL_ADDRESS: 'nope' }));
    assert.match(found.join('\n'), /MONGODB_URI: a mongodb:\/\//);
    assert.match(found.join('\n'), /TEMPORAL_ADDRESS: host:port/);
    assert.doesNotMatch(found.join('\n'), /secret-password/);
  });

  it('says which file is missing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cs-config-'));
    await assert.rejects(loadConfig(path.join(dir, 'nope.yaml'), {}), /nope\.yaml[\s\S]*file not found/);
    await writeFile(path.join(dir, 'ok.yaml'), minimal);
    const loaded = await loadConfig(path.join(dir, 'ok.yaml'), {});
    assert.equal(loaded.baseDir, dir);
    assert.equal(loaded.env.TEMPORAL_ADDRESS, '127.0.0.1:7233');
  });
});

describe('shipped configuration files', () => {
  it('the sample countersign.yaml and the compose configuration are valid', async () => {
    const { readFile } = await import('node:fs/promises');
    for (const file of ['countersign.yaml', 'deploy/countersign.compose.yaml']) {
      const text = await readFile(new URL(`../../${file}`, import.meta.url), 'utf8');
      const config = parseConfigText(text, file);
      assert.ok(config.upstreams.length > 0, file);
    }
  });
});
