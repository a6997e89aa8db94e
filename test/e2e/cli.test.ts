// The README's first command, as a new user runs it: `countersign dev` starts everything, prints
// its URLs, serves the demo agent, and leaves no process behind on SIGTERM. Also: bad config and a
// taken port give errors that say what to fix.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort } from '../../integrations/embedded/ports.ts';
import { REPO_ROOT } from '../support/gatewayStack.ts';

const CLI = path.join(REPO_ROOT, 'bin/countersign.js');

function descendants(pid: number): number[] {
  const out = spawnSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' }).stdout;
  const children = new Map<number, number[]>();
  for (const line of out.trim().split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    if (child === undefined || parent === undefined) continue;
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const all: number[] = [];
  const visit = (id: number) => {
    for (const child of children.get(id) ?? []) {
      all.push(child);
      visit(child);
    }
  };
  visit(pid);
  return all;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${pattern}; output:\n${output.slice(-3000)}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (pattern.test(output)) {
        clearTimeout(timer);
        resolve(output);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ${pattern}; output:\n${output.slice(-3000)}`));
    });
  });
}

let dev: ChildProcess | undefined;
after(() => {
  if (dev?.pid && alive(dev.pid)) dev.kill('SIGKILL');
});

/** `countersign dev` end to end through the given entry point (bin/countersign.js or the bundle). */
async function devScenario(cli: string): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'countersign-dev-'));
  const [port, temporalPort, uiPort, mongoPort, deploymentsPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const configPath = path.join(dataDir, 'countersign.yaml');
  const sample = (await import('node:fs/promises')).readFile(path.join(REPO_ROOT, 'countersign.yaml'), 'utf8');
  await writeFile(
    configPath,
    (await sample)
      .replace('http://127.0.0.1:7420/mcp', `http://127.0.0.1:${deploymentsPort}/mcp`)
      .replace(
        'args: [--import, tsx, examples/upstreams/incidents/server.ts]',
        `args: [--import, tsx, examples/upstreams/incidents/server.ts]\n    cwd: ${REPO_ROOT}`,
      )
      .replace('.data/incidents.json', path.join(dataDir, 'incidents.json'))
      .replace('dir: ./policies', `dir: ${path.join(REPO_ROOT, 'policies')}`),
  );
  dev = spawn(
    process.execPath,
    [
      cli,
      'dev',
      '--config',
      configPath,
      '--data-dir',
      dataDir,
      '--port',
      `${port}`,
      '--temporal-port',
      `${temporalPort}`,
      '--temporal-ui-port',
      `${uiPort}`,
      '--mongo-port',
      `${mongoPort}`,
      '--deployments-port',
      `${deploymentsPort}`,
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const banner = await waitForOutput(dev, /Worker health check\s+healthy/, 150_000);
  assert.match(banner, new RegExp(`MCP endpoint \\(agents\\)\\s+http://127.0.0.1:${port}/mcp`));
  assert.match(banner, new RegExp(`Temporal Web UI\\s+http://127.0.0.1:${uiPort}`));
  assert.match(banner, /incidents \(MCP 2025-11-25\), deployments \(MCP 2026-07-28\)/);

  const ui = await fetch(`http://127.0.0.1:${uiPort}/`);
  assert.equal(ui.status, 200, 'Temporal Web UI answers');

  const demo = spawnSync(
    process.execPath,
    [cli, 'demo', '--url', `http://127.0.0.1:${port}/mcp`, '--data-dir', dataDir],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(demo.status, 0, demo.stderr);
  assert.match(demo.stdout, /granted consent cns_/);
  assert.match(demo.stdout, /13 tools:/);
  assert.match(demo.stdout, /incidents\.delete_incident \[destructive\]/);
  assert.match(demo.stdout, /Approval required: 'incidents\.delete_incident'/);

  const issued = spawnSync(
    process.execPath,
    [
      cli,
      'token',
      'issue',
      '--human',
      'bob@example.com',
      '--agent',
      'claude-code',
      '--tools',
      'incidents.*',
      '--ttl',
      '1h',
      '--reason',
      'triage',
      '--gateway',
      `http://127.0.0.1:${port}`,
      '--data-dir',
      dataDir,
    ],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(issued.status, 0, issued.stderr);
  assert.match(issued.stdout, /agent-session token:\n(ey[\w-]+\.[\w-]+\.[\w-]+)\n/);
  assert.match(issued.stdout, /"Authorization": "Bearer ey/);

  const tail = spawnSync(process.execPath, [cli, 'audit', 'tail', '--no-follow', '-n', '20', '--config', configPath], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, MONGODB_URI: `mongodb://127.0.0.1:${mongoPort}/` },
  });
  assert.equal(tail.status, 0, tail.stderr);
  assert.match(tail.stdout, /allow\s+ok\s+incidents\.search_incidents alice@example\.com via countersign-demo-agent/);
  assert.match(tail.stdout, /needs-approval\s+not-forwarded\s+incidents\.delete_incident/);

  // Following: records written after the tail started appear, once each (the poll re-reads a
  // window; cli/auditFollower.ts and its unit test cover holding a record for its outcome).
  const follower = spawn(
    process.execPath,
    [cli, 'audit', 'tail', '-n', '3', '--interval', '100', '--config', configPath],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, MONGODB_URI: `mongodb://127.0.0.1:${mongoPort}/` },
    },
  );
  let followed = '';
  follower.stdout?.on('data', (chunk: Buffer) => (followed += chunk.toString()));
  const auditId = /\b([0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12})\b/;
  const before = new Set([...tail.stdout.matchAll(new RegExp(auditId, 'g'))].map((match) => match[1]));
  assert.ok(before.size >= 3, tail.stdout);
  const newLines = (pattern: RegExp) =>
    followed.split('\n').filter((line) => pattern.test(line) && !before.has(auditId.exec(line)?.[1] ?? ''));
  try {
    await waitForOutput(follower, /incidents\./, 30_000);
    const again = spawnSync(
      process.execPath,
      [cli, 'demo', '--url', `http://127.0.0.1:${port}/mcp`, '--data-dir', dataDir],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(again.status, 0, again.stderr);
    const deadline = Date.now() + 30_000;
    while (newLines(/needs-approval\s+not-forwarded\s+incidents\.delete_incident/).length === 0) {
      assert.ok(Date.now() < deadline, `the follower did not print the second demo's records:\n${followed}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Let it poll a few more times (past the outcome grace): nothing may be printed twice.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // ok, or pending if its outcome took longer than the grace (the unit tests pin the hold down).
    assert.equal(newLines(/allow\s+(ok|pending)\s+incidents\.search_incidents alice@example\.com/).length, 1, followed);
    const ids = newLines(auditId).map((line) => auditId.exec(line)?.[1]);
    assert.ok(ids.length >= 4, `expected the second demo's records:\n${followed}`);
    assert.equal(new Set(ids).size, ids.length, `a followed record was printed twice:\n${followed}`);
  } finally {
    follower.kill('SIGTERM');
  }

  const children = descendants(dev.pid!);
  assert.ok(
    children.length >= 3,
    `expected Temporal, FerretDB and the incidents upstream as children, got ${children.length}`,
  );
  const exited = new Promise<number | null>((resolve) => dev!.once('exit', (code) => resolve(code)));
  dev.kill('SIGTERM');
  assert.equal(await exited, 0);
  // Supervisor watchdogs poll once a second; give them that long to notice and exit.
  for (let waited = 0; waited < 5000 && children.some(alive); waited += 250)
    await new Promise((resolve) => setTimeout(resolve, 250));
  const left = children.filter(alive);
  assert.deepEqual(
    left,
    [],
    `no orphan processes: ${spawnSync('ps', ['-o', 'pid=,args=', '-p', left.join(',') || '0'], { encoding: 'utf8' }).stdout}`,
  );
}

describe('countersign dev', () => {
  it('starts the embedded default, serves the demo agent, and stops every child on SIGTERM', () => devScenario(CLI));
});

describe('the production bundle (npm run build)', () => {
  it('runs the same embedded default from a pre-built bundle, worker included', async () => {
    // Inside the repository, so the bundle's external packages resolve from node_modules.
    const bundle = path.join(REPO_ROOT, 'dist', `e2e-${process.pid}`, 'countersign.mjs');
    const built = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build-gateway.ts', bundle], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(built.status, 0, built.stderr);
    try {
      await devScenario(bundle);
    } finally {
      await rm(path.dirname(bundle), { recursive: true, force: true });
    }
  });
});

describe('start-up errors', () => {
  it('a bad config value names the field, the value and what was expected, and exits non-zero', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'countersign-badconfig-'));
    const configPath = path.join(dir, 'countersign.yaml');
    await writeFile(
      configPath,
      'gateway:\n  port: seventy\nupstreams:\n  - name: x\n    transport: http\n    url: http://127.0.0.1:1/mcp\n',
    );
    const result = spawnSync(process.execPath, [CLI, 'gateway', '--config', configPath], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /gateway\.port: .*number.*\(found "seventy"\)/);
  });

  it('a taken port is named, with how to change it', async () => {
    const blocker = net.createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as net.AddressInfo).port)),
    );
    try {
      const result = spawnSync(process.execPath, [CLI, 'dev', '--port', `${port}`], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.notEqual(result.status, 0);
      assert.match(result.stderr, new RegExp(`${port}`));
      assert.match(result.stderr, /Countersign gateway/);
      assert.match(result.stderr, /--port/);
    } finally {
      blocker.close();
    }
  });
});
