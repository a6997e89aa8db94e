// The gateway under benchmark, in its own process so its CPU and heap figures are its own. Forked by
// bench/run.ts with IPC and --expose-gc; configured by the BENCH_GATEWAY environment variable (JSON).
//
// Variants (for cost attribution; product code is used as-is, only assembled differently):
//   full       startGateway() exactly as `countersign gateway` runs it, audit in FerretDB.
//   monitored  the same, with the mongodb driver's command monitoring on, to time each audit write.
//   no-audit   the same startGateway(), but the audit collection's writes are acknowledged at once
//              without reaching the store: the whole gateway minus the durable audit write.
//   sdk-proxy  the smallest MCP proxy on the same SDK stack: createMcpHandler + toNodeHandler in front,
//              one pooled v2 Client behind, no pipeline. What any MCP-over-HTTP hop costs.
//
// IPC (request {id, type, ...} → reply {id, ...}):
//   stats          process.cpuUsage() and process.memoryUsage()
//   heap           global.gc() (twice) then process.memoryUsage()
//   profile-start  starts the V8 CPU profiler (node:inspector), sampling interval `intervalUs`
//   profile-stop   stops it and writes the .cpuprofile to `file`
//   heap-snapshot  writes a V8 heap snapshot (after GC) to `file`
//   mongo-timings  (monitored) audit command round trips and counts of all commands since the last call
//   shutdown       closes the gateway and exits
import http from 'node:http';
import { writeFile } from 'node:fs/promises';
import { writeHeapSnapshot } from 'node:v8';
import type { AddressInfo } from 'node:net';
import { Session } from 'node:inspector/promises';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { Server, createMcpHandler } from '@modelcontextprotocol/server';
import { MongoClient, type CommandFailedEvent, type CommandStartedEvent, type CommandSucceededEvent } from 'mongodb';
import { AUDIT_COLLECTION, AUDIT_OUTCOMES_COLLECTION } from '../audit/auditStore.ts';
import { withoutAuditWrites } from './lib/withoutAuditWrites.ts';
import { parseConfigText } from '../config/load.ts';
import { startGateway } from '../gateway/gateway.ts';
import { createLogger } from '../observability/logger.ts';

export type GatewayVariant = 'full' | 'monitored' | 'no-audit' | 'sdk-proxy';

export interface GatewayProcessConfig {
  variant: GatewayVariant;
  /** The gateway's configuration file content (YAML or JSON); unused by sdk-proxy. */
  configText: string;
  upstreamUrl: string;
  mongoUri: string;
  logLevel: string;
}

export interface GatewayReady {
  type: 'ready';
  mcpUrl: string;
  baseUrl: string;
  pid: number;
}

interface CommandTiming {
  command: string;
  ms: number;
  docs: number;
}

const config = JSON.parse(process.env.BENCH_GATEWAY ?? '{}') as GatewayProcessConfig;
const logger = createLogger({ level: config.logLevel, name: 'countersign-bench-gateway' });
const REPO_ROOT = new URL('../', import.meta.url).pathname;

interface Started {
  mcpUrl: string;
  baseUrl: string;
  close(): Promise<void>;
}

const timings: CommandTiming[] = [];
/** Every command the gateway sent (monitored variant), by name and collection, and failures by message. */
const commandCounts = new Map<string, number>();

/** startGateway() as `countersign gateway` runs it; the variants only change what the Db does. */
async function startFull(variant: 'full' | 'monitored' | 'no-audit'): Promise<Started> {
  const gatewayConfig = parseConfigText(config.configText, 'bench config');
  // The same client options as integrations/mongodb/connect.ts, plus command monitoring when asked.
  const client = new MongoClient(config.mongoUri, {
    serverSelectionTimeoutMS: 2000,
    connectTimeoutMS: 2000,
    maxPoolSize: 20,
    appName: 'countersign',
    ...(variant === 'monitored' ? { monitorCommands: true } : {}),
  });
  if (variant === 'monitored') {
    const started = new Map<number, { command: string; docs: number; at: number }>();
    client.on('commandStarted', (event: CommandStartedEvent) => {
      const command = event.commandName;
      const target: unknown = event.command[command];
      const key = `${command} ${typeof target === 'string' ? target : ''}`.trim();
      commandCounts.set(key, (commandCounts.get(key) ?? 0) + 1);
      if (
        (command !== 'insert' && command !== 'update') ||
        (target !== AUDIT_COLLECTION && target !== AUDIT_OUTCOMES_COLLECTION)
      )
        return;
      const docs =
        command === 'insert'
          ? (event.command.documents as unknown[]).length
          : (event.command.updates as unknown[]).length;
      started.set(event.requestId, { command: `${command} ${String(target)}`, docs, at: performance.now() });
    });
    client.on('commandSucceeded', (event: CommandSucceededEvent) => {
      const start = started.get(event.requestId);
      if (!start) return;
      started.delete(event.requestId);
      timings.push({ command: start.command, docs: start.docs, ms: performance.now() - start.at });
    });
    client.on('commandFailed', (event: CommandFailedEvent) => {
      const start = started.get(event.requestId);
      started.delete(event.requestId);
      const key = `${event.commandName} failed: ${event.failure.message.slice(0, 120)}`;
      commandCounts.set(key, (commandCounts.get(key) ?? 0) + 1);
      if (start)
        timings.push({ command: `${start.command} (failed)`, docs: start.docs, ms: performance.now() - start.at });
    });
  }
  await client.connect();
  const realDb = client.db(gatewayConfig.audit.database);
  const db = variant === 'no-audit' ? withoutAuditWrites(realDb) : realDb;
  const gateway = await startGateway({ config: gatewayConfig, baseDir: REPO_ROOT, db, logger, port: 0 });
  return {
    mcpUrl: gateway.mcpUrl,
    baseUrl: gateway.url,
    close: async () => {
      await gateway.close();
      await client.close();
    },
  };
}

/** A bare MCP proxy on the SDK: the per-hop cost of MCP over HTTP, with nothing of Countersign in it. */
async function startSdkProxy(): Promise<Started> {
  const upstream = new Client({ name: 'bench-sdk-proxy', version: '0.0.0' }, { versionNegotiation: { mode: 'auto' } });
  await upstream.connect(new StreamableHTTPClientTransport(new URL(config.upstreamUrl)));
  const { tools } = await upstream.listTools();
  const listed = tools.map((tool) => ({ ...tool, name: `deployments.${tool.name}` }));
  const handler = createMcpHandler(
    () => {
      const server = new Server(
        { name: 'sdk-proxy', version: '0.0.0' },
        { capabilities: { tools: { listChanged: true } } },
      );
      server.setRequestHandler('tools/list', () => ({ tools: listed }));
      server.setRequestHandler('tools/call', async (request, ctx) =>
        upstream.callTool(
          { name: request.params.name.replace(/^deployments\./, ''), arguments: request.params.arguments ?? {} },
          { signal: ctx.mcpReq.signal },
        ),
      );
      return server;
    },
    { legacy: 'reject' },
  );
  const nodeHandler = toNodeHandler(handler);
  const server = http.createServer((req, res) => void nodeHandler(req, res));
  server.keepAliveTimeout = 65_000;
  const port = await listen(server);
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    mcpUrl: `${baseUrl}/mcp`,
    baseUrl,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await handler.close();
      await upstream.close();
    },
  };
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('gatewayProcess needs --expose-gc');
  // Twice, with a turn of the event loop between: the first pass runs finalizers that free more.
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
}

let profiler: Session | null = null;

async function answer(
  message: { id: number; type: string; [key: string]: unknown },
  started: Started,
): Promise<Record<string, unknown>> {
  switch (message.type) {
    case 'stats':
      return { cpu: process.cpuUsage(), memory: process.memoryUsage() };
    case 'heap':
      await collectGarbage();
      return { memory: process.memoryUsage() };
    case 'profile-start': {
      profiler = new Session();
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.setSamplingInterval', { interval: Number(message.intervalUs ?? 500) });
      await profiler.post('Profiler.start');
      return {};
    }
    case 'profile-stop': {
      if (!profiler) throw new Error('profiler not started');
      const { profile } = await profiler.post('Profiler.stop');
      profiler.disconnect();
      profiler = null;
      await writeFile(String(message.file), JSON.stringify(profile));
      return { file: message.file };
    }
    case 'heap-snapshot':
      await collectGarbage();
      return { file: writeHeapSnapshot(String(message.file)) };
    case 'mongo-timings': {
      const counts = Object.fromEntries(commandCounts);
      commandCounts.clear();
      return { timings: timings.splice(0), counts };
    }
    case 'shutdown':
      await started.close();
      setImmediate(() => process.exit(0));
      return {};
    default:
      throw new Error(`unknown message ${message.type}`);
  }
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('bench/gatewayProcess.ts must be forked with an IPC channel');
  const started = config.variant === 'sdk-proxy' ? await startSdkProxy() : await startFull(config.variant);
  process.on('message', (raw) => {
    const message = raw as { id: number; type: string };
    answer(message, started).then(
      (reply) => process.send?.({ id: message.id, ok: true, ...reply }),
      (error: unknown) => process.send?.({ id: message.id, ok: false, error: String(error) }),
    );
  });
  // The bench going away (even by SIGKILL) closes the IPC channel: never outlive it.
  process.on('disconnect', () => process.exit(0));
  const ready: GatewayReady = { type: 'ready', mcpUrl: started.mcpUrl, baseUrl: started.baseUrl, pid: process.pid };
  process.send(ready);
}

main().catch((error: unknown) => {
  console.error(
    `[bench gateway] failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
});
