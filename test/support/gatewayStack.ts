// A whole gateway for end-to-end tests: real FerretDB, both example upstreams (incidents over
// stdio on the 2025 revision, deployments over HTTP on 2026-07-28) and the gateway on a free port.
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { parseConfigText } from '../../config/load.ts';
import { startGateway, type RunningGateway } from '../../gateway/gateway.ts';
import { connectMongo, type MongoConnection } from '../../integrations/mongodb/connect.ts';
import { createLogger } from '../../observability/logger.ts';
import { DevIdentityProvider } from '../../gateway/identity/devIdp.ts';
import { startDeploymentsServer, type DeploymentsServer } from '../../examples/upstreams/deployments/app.ts';
import { incidentsLaunch } from '../../examples/upstreams/incidents/launch.ts';
import { startTestFerretDb, type TestFerretDb } from './embedded.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface GatewayStack {
  gateway: RunningGateway;
  idp: DevIdentityProvider;
  dir: string;
  /** This gateway's configuration file, for starting more replicas as separate processes. */
  configPath: string;
  /** Grants consent through POST /consents and returns the agent-session token. */
  grant(request?: Partial<ConsentGrantRequest>): Promise<GrantedConsent>;
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
  /** Policy folder; default: the repository's schema plus one policy letting everything inside consent run. */
  policiesDir?: string;
  /** Share another stack's store and keys: a second replica of the same deployment. */
  replicaOf?: GatewayStack;
  /** More upstreams, e.g. a second server exporting the same tool names. */
  extraUpstreams?: (deploymentsUrl: string) => Array<Record<string, unknown>>;
}

export interface ConsentGrantRequest {
  human: string;
  groups: string[];
  agent: string;
  tools: string[];
  maxTier: 'read' | 'write' | 'destructive';
  ttlSeconds: number;
  reason: string;
}

export interface GrantedConsent {
  token: string;
  consentId: string;
  sessionId: string;
  tools: Array<{ name: string; tier: string }>;
}

/** The repository's schema with a single policy: anything inside the consent runs. For plumbing tests. */
export async function openPolicies(dir: string): Promise<string> {
  const policies = path.join(dir, 'policies-open');
  await mkdir(policies, { recursive: true });
  await copyFile(path.join(REPO_ROOT, 'policies', 'schema.cedarschema'), path.join(policies, 'schema.cedarschema'));
  await writeFile(
    path.join(policies, 'open.cedar'),
    '@id("inside-consent-runs")\npermit (principal, action in [Countersign::Action::"call", Countersign::Action::"callWithoutApproval"], resource)\nwhen { context.consent.coversTool };\n',
  );
  return policies;
}

export async function startGatewayStack(options: StackOptions = {}): Promise<GatewayStack> {
  const primary = options.replicaOf;
  const dir = primary?.dir ?? (await mkdtemp(path.join(tmpdir(), 'countersign-e2e-')));
  const store = primary?.store ?? (await startTestFerretDb());
  let deployments = primary?.deployments ?? (await startDeploymentsServer({ port: 0, onerror: () => undefined }));
  const deploymentsPort = Number(new URL(deployments.url).port);
  const idp = primary?.idp ?? (await DevIdentityProvider.loadOrCreate(path.join(dir, 'idp')));
  const policiesDir = options.policiesDir ?? (await openPolicies(dir));
  const launch = incidentsLaunch({ dataFile: path.join(dir, 'incidents.json') });
  const configText = stringify({
    gateway: { port: 0, ...options.gateway },
    audit: { database: 'countersign_e2e', writeTimeoutMs: 5000, ...options.audit },
    upstreams: [
      { name: 'incidents', transport: 'stdio', command: launch.command, args: launch.args, env: launch.env },
      { name: 'deployments', transport: 'http', url: deployments.url },
      ...(options.extraUpstreams?.(deployments.url) ?? []),
    ],
    tiers: [
      { upstream: 'incidents', tool: 'search_incidents', tier: 'read' },
      { upstream: 'incidents', tool: 'get_incident', tier: 'read' },
      { upstream: 'incidents', tool: 'export_timeline', tier: 'read' },
      { upstream: 'deployments', tool: 'list_deployments', tier: 'read' },
      { upstream: 'deployments', tool: 'get_deployment', tier: 'read' },
    ],
    policies: { dir: policiesDir, watch: true },
    identity: {
      idp: { issuer: idp.issuer, audience: 'countersign', publicKeyFiles: [idp.publicKeyFile] },
      signingKeyFile: path.join(dir, 'keys', 'gateway-signing-key.json'),
    },
  });
  const config = parseConfigText(configText, 'e2e config');
  const configPath = path.join(dir, primary ? 'countersign.replica.yaml' : 'countersign.yaml');
  await writeFile(configPath, configText);
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
  const grant = async (request: Partial<ConsentGrantRequest> = {}): Promise<GrantedConsent> => {
    const idToken = await idp.issueHumanToken({
      subject: request.human ?? 'alice@example.com',
      audience: 'countersign',
      groups: request.groups ?? ['sre'],
    });
    const response = await fetch(new URL('/consents', gateway.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${idToken}` },
      body: JSON.stringify({
        agent: request.agent ?? 'e2e-agent',
        tools: request.tools ?? ['incidents.*', 'deployments.*'],
        maxTier: request.maxTier ?? 'write',
        ttlSeconds: request.ttlSeconds ?? 3600,
        reason: request.reason ?? 'end-to-end test',
      }),
    });
    const body = (await response.json()) as GrantedConsent & { message?: string };
    if (response.status !== 201) throw new Error(`consent refused (${response.status}): ${JSON.stringify(body)}`);
    return body;
  };
  return {
    gateway,
    idp,
    dir,
    configPath,
    grant,
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
      await mongo.close();
      if (primary) return;
      await deployments.close().catch(() => undefined);
      await store.stop();
    },
  };
}
