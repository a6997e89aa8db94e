// The embedded servers are real: FerretDB answers the mongodb driver and keeps data across a crash,
// the Temporal dev server serves our namespace with Countersign's search attributes, and failures to
// start say what is wrong and how to fix it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { MongoClient } from 'mongodb';
import { BinaryMissingError, resolveBinary } from '../../integrations/embedded/binaries.ts';
import { ServerStartError } from '../../integrations/embedded/childProcess.ts';
import { startFerretDb } from '../../integrations/embedded/ferretdb.ts';
import { freePort, PortInUseError } from '../../integrations/embedded/ports.ts';
import { startTemporalDevServer } from '../../integrations/embedded/temporal.ts';
import { COUNTERSIGN_SEARCH_ATTRIBUTES } from '../../workflows/searchAttributes.ts';
import {
  isAlive,
  makeTempDir,
  startTestFerretDb,
  startTestTemporal,
  type TestFerretDb,
  type TestTemporal,
} from '../support/embedded.ts';

describe('FerretDB (embedded MongoDB-wire store)', () => {
  let ferret: TestFerretDb;
  before(async () => {
    ferret = await startTestFerretDb();
  });
  after(async () => {
    await ferret?.stop();
  });

  test('answers insert and find through the mongodb driver', async () => {
    const client = await MongoClient.connect(ferret.uri, { serverSelectionTimeoutMS: 5_000 });
    try {
      const events = client.db('countersign_test').collection<{ _id: string; tool: string; n: number }>('events');
      await events.insertMany([
        { _id: 'a', tool: 'jira.create_issue', n: 1 },
        { _id: 'b', tool: 'github.delete_repo', n: 2 },
      ]);
      const found = await events.find({ n: { $gte: 2 } }).toArray();
      assert.deepEqual(found, [{ _id: 'b', tool: 'github.delete_repo', n: 2 }]);
    } finally {
      await client.close();
    }
  });

  test('serves the same data on its Unix socket, which is what this machine uses', async () => {
    const server = ferret.server();
    assert.ok(server.socketUri, 'the socket is on by default');
    assert.equal(server.localUri, server.socketUri);
    assert.match(decodeURIComponent(server.socketUri), /ferretdb\.sock$/);
    const client = await MongoClient.connect(server.socketUri, { serverSelectionTimeoutMS: 5_000 });
    try {
      const doc = await client
        .db('countersign_test')
        .collection('events')
        .findOne({ _id: 'b' as never });
      assert.equal(doc?.tool, 'github.delete_repo');
    } finally {
      await client.close();
    }
  });

  test('falls back to TCP alone when the data dir is too deep for a socket path', async () => {
    const base = await makeTempDir();
    const deep = path.join(base, 'a-directory-name-long-enough'.repeat(3), 'and-deeper');
    const server = await startFerretDb({ dataDir: deep, port: await freePort() });
    try {
      assert.equal(server.socketUri, null);
      assert.equal(server.localUri, server.uri);
      const client = await MongoClient.connect(server.localUri, { serverSelectionTimeoutMS: 5_000 });
      await client.db('admin').command({ ping: 1 });
      await client.close();
    } finally {
      await server.stop();
      await rm(base, { recursive: true, force: true });
    }
  });

  test('refuses to start a second store on a data dir whose socket is live', async () => {
    await assert.rejects(startFerretDb({ dataDir: ferret.dataDir, port: await freePort() }), (error: Error) => {
      assert.equal((error as Error & { code?: string }).code, 'SOCKET_IN_USE');
      assert.match(error.message, /another process is already serving it/);
      return true;
    });
  });

  test('keeps its data when killed and restarted on the same data dir and port', async () => {
    const pid = ferret.server().pid;
    await ferret.kill();
    assert.equal(isAlive(pid), false);
    // SIGKILL leaves the socket file behind; the restart reclaims it.
    await ferret.restart();
    for (const uri of [ferret.uri, ferret.server().socketUri!]) {
      const client = await MongoClient.connect(uri, { serverSelectionTimeoutMS: 5_000 });
      try {
        const doc = await client
          .db('countersign_test')
          .collection('events')
          .findOne({ _id: 'a' as never });
        assert.equal(doc?.tool, 'jira.create_issue', uri);
      } finally {
        await client.close();
      }
    }
  });
});

describe('Temporal dev server', () => {
  let temporal: TestTemporal;
  before(async () => {
    temporal = await startTestTemporal();
  });
  after(async () => {
    await temporal?.stop();
  });

  test('serves the namespace with Countersign search attributes registered', async () => {
    const connection = await Connection.connect({ address: temporal.address });
    try {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({
        namespace: temporal.namespace,
      });
      for (const name of Object.keys(COUNTERSIGN_SEARCH_ATTRIBUTES)) {
        assert.ok(customAttributes?.[name] !== undefined, `search attribute ${name} is registered`);
      }
    } finally {
      await connection.close();
    }
  });

  test('stop() ends the child process', async () => {
    const dataDir = await makeTempDir();
    const server = await startTemporalDevServer({ dataDir, port: await freePort(), headless: true });
    assert.ok(isAlive(server.pid));
    await server.stop();
    assert.equal(isAlive(server.pid), false);
    assert.deepEqual(server.process.exitInfo(), { code: 0, signal: null });
    await rm(dataDir, { recursive: true, force: true });
  });
});

describe('child supervision', () => {
  const ferretModule = new URL('../../integrations/embedded/ferretdb.ts', import.meta.url).href;

  // A parent that starts FerretDB and then exits without stopping it (or is sent SIGTERM).
  async function orphanAttempt(ending: 'exit' | 'SIGTERM' | 'SIGKILL'): Promise<number> {
    const dataDir = await makeTempDir();
    const script = [
      `const { startFerretDb } = await import(${JSON.stringify(ferretModule)});`,
      `const store = await startFerretDb({ dataDir: ${JSON.stringify(dataDir)}, port: ${await freePort()} });`,
      'console.log(store.pid);',
      ending === 'exit' ? 'process.exit(0);' : 'setInterval(() => {}, 1000);',
    ].join('\n');
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = (await once(createInterface({ input: parent.stdout }), 'line')) as [string];
      const pid = Number(line);
      assert.ok(isAlive(pid), 'FerretDB runs under the parent');
      if (ending !== 'exit') parent.kill(ending);
      await once(parent, 'exit');
      return pid;
    } finally {
      parent.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  }

  async function gone(pid: number, withinMs = 5_000): Promise<boolean> {
    for (let i = 0; i < withinMs / 100 && isAlive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    return !isAlive(pid);
  }

  test('children die when the parent exits without stopping them', async () => {
    assert.ok(await gone(await orphanAttempt('exit')));
  });

  test('children die when the parent is sent SIGTERM', async () => {
    assert.ok(await gone(await orphanAttempt('SIGTERM')));
  });

  test('children die even when the parent is killed with SIGKILL (watchdog)', async () => {
    assert.ok(await gone(await orphanAttempt('SIGKILL'), 10_000));
  });
});

describe('start-up errors', () => {
  let blocker: Server;
  let takenPort: number;
  before(async () => {
    takenPort = await freePort();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(takenPort, '127.0.0.1', resolve));
  });
  after(async () => {
    await new Promise((resolve) => blocker.close(resolve));
  });

  test('a taken port is a PortInUseError naming the port and the service', async () => {
    const dataDir = await makeTempDir();
    try {
      await assert.rejects(
        startFerretDb({ dataDir, port: takenPort, portHint: 'Use --store-port <n>.' }),
        (error: unknown) => {
          assert.ok(error instanceof PortInUseError);
          assert.equal(error.code, 'PORT_IN_USE');
          assert.equal(error.port, takenPort);
          assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${takenPort}`));
          assert.match(error.message, /FerretDB/);
          assert.match(error.message, /--store-port/);
          return true;
        },
      );
      await assert.rejects(startTemporalDevServer({ dataDir, port: takenPort, headless: true }), (error: unknown) => {
        assert.ok(error instanceof PortInUseError);
        assert.match(error.message, /Temporal dev server/);
        return true;
      });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('a missing binary is a BinaryMissingError that says how to build it', () => {
    assert.throws(
      () => resolveBinary('temporal', { COUNTERSIGN_CACHE: '/nonexistent/countersign-cache' }),
      (error: unknown) => {
        assert.ok(error instanceof BinaryMissingError);
        assert.equal(error.code, 'BINARY_MISSING');
        assert.equal(error.path, '/nonexistent/countersign-cache/bin/temporal-1.5.1');
        assert.match(error.message, /npm run build:servers/);
        return true;
      },
    );
  });

  test('startFerretDb reports a missing binary before spawning anything', async () => {
    const saved = process.env.COUNTERSIGN_CACHE;
    process.env.COUNTERSIGN_CACHE = '/nonexistent/countersign-cache';
    try {
      await assert.rejects(startFerretDb({ dataDir: '/nonexistent/data', port: await freePort() }), {
        code: 'BINARY_MISSING',
      });
    } finally {
      if (saved === undefined) delete process.env.COUNTERSIGN_CACHE;
      else process.env.COUNTERSIGN_CACHE = saved;
    }
  });

  test('a server that exits during start-up is a ServerStartError with its output', async () => {
    const dataDir = await makeTempDir();
    try {
      await assert.rejects(
        startFerretDb({ dataDir, port: await freePort(), binary: '/bin/false' }),
        (error: unknown) => {
          assert.ok(error instanceof ServerStartError);
          assert.match(error.message, /exited with code 1 before it was ready/);
          return true;
        },
      );
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
