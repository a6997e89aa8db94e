// A whole gateway for end-to-end tests: real FerretDB, both example upstreams (incidents over
// stdio on the 2025 revision, deployments over HTTP on 2026-07-28) and the gateway on a free port.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { parseConfigText } from '../../config/load.ts';
import { startGateway, type RunningGateway } from '../../gateway/gateway.ts';
import { connectMongo, type MongoConnection } from '../../integrations/mongodb/connect.ts';
import { createLogger } from '../../observability/logger.ts';
import { startDeploymentsServer, type DeploymentsServer } from '../../examples/upstreams/deployments/app.ts';
import { incidentsLaunch } from '../../examples/upstreams/incidents/launch.ts';
import { startTestFerretDb, type TestFerretDb } from './embedded.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface GatewayStack {
  gateway: RunningGateway;
  store: TestFerretDb;
  mongo: MongoConnection;
  deployments: DeploymentsServer;
  deploymentsPort: number;
  logs: string[];
  restartDeployments(): Promise<void>;
  stopDeployments(): Promise<void>;
  close(): Promise<void>;
}

export interface StackOptions {
  gateway?: Record<string, unknown>;
  audit?: Record<string, unknown>;
}

export async function startGatewayStack(options: StackOptions = {}): Promise<GatewayStack> {
  const dir = await mkdtemp(path.join(tmpdir(), 'countersign-e2e-'));
  const store = await startTestFerretDb();
  let deployments = await startDeploymentsServer({ port: 0, onerror: () => undefined });
  const deploymentsPort = Number(new URL(deployments.url).port);
  const launch = incidentsLaunch({ dataFile: path.join(dir, 'incidents.json') });
  const configText = stringify({
    gateway: { port: 0, ...options.gateway },
    audit: { database: 'countersign_e2e', writeTimeoutMs: 1500, ...options.audit },
    upstreams: [
      { name: 'incidents', transport: 'stdio', command: launch.command, args: launch.args, env: launch.env },
      { name: 'deployments', transport: 'http', url: deployments.url },
    ],
  });
  const config = parseConfigText(configText, 'e2e config');
  const mongo = await connectMongo(store.uri, config.audit.database);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString());
      callback();
    },
  });
  const logger = createLogger({ level: 'debug', destination: sink });
  const gateway = await startGateway({ config, baseDir: REPO_ROOT, db: mongo.db, logger, port: 0 });
  return {
    gateway,
    store,
    mongo,
    get deployments() {
      return deployments;
    },
    deploymentsPort,
    logs,
    stopDeployments: () => deployments.close(),
    restartDeployments: async () => {
      deployments = await startDeploymentsServer({ port: deploymentsPort, onerror: () => undefined });
    },
    close: async () => {
      await gateway.close();
      await deployments.close().catch(() => undefined);
      await mongo.close();
      await store.stop();
    },
  };
}
