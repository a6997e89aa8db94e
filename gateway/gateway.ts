// Assembles a gateway from configuration: audit store, identity (IdP verifier, gateway keys,
// agent-session tokens), consent store and per-replica session resolver, tiers, Cedar policy,
// upstream pool, call pipeline, MCP endpoint and HTTP server. `countersign gateway` and
// `countersign dev` both start it through here.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import { MongoAuditStore } from '../audit/auditStore.ts';
import { securityEventRecord } from '../audit/record.ts';
import { ConfigError } from '../config/load.ts';
import type { ConfigFile } from '../config/schema.ts';
import { createGatewayMetrics, type GatewayMetrics } from '../observability/metrics.ts';
import { ConsentService } from './consent/consentService.ts';
import { ConsentStore } from './consent/consentStore.ts';
import { ConsentToolLists } from './consent/consentToolList.ts';
import { SessionResolver } from './consent/sessionResolver.ts';
import { checkHealth } from './http/healthz.ts';
import { defaultAllowedHosts, type HostGuardOptions } from './http/hostGuard.ts';
import { createHttpServer } from './http/httpServer.ts';
import { OpenStreams } from './http/openStreams.ts';
import type { Principal } from './pipeline/decision.ts';
import { McpAuthenticator } from './http/mcpAuthenticator.ts';
import { GatewayKeys } from './identity/gatewayKeys.ts';
import { HumanTokenVerifier } from './identity/humanTokens.ts';
import { protectedResourceMetadata } from './identity/protectedResource.ts';
import { SessionTokenService } from './identity/sessionTokens.ts';
import { McpEndpoint } from './mcp/mcpEndpoint.ts';
import { CallPipeline } from './pipeline/callPipeline.ts';
import { CedarCallDecider } from './pipeline/cedarCallDecider.ts';
import { PolicyEngine } from './policy/policyEngine.ts';
import { TierClassifier } from './tiers.ts';
import { UpstreamPool } from './upstreams/upstreamPool.ts';

export interface GatewayOptions {
  config: ConfigFile;
  baseDir: string;
  db: Db;
  logger: Logger;
  /** Overrides config.gateway.port (tests use 0). */
  port?: number;
}

export interface RunningGateway {
  /** The public resource URL (token audience); equal to listenUrl unless gateway.publicUrl is set. */
  url: string;
  mcpUrl: string;
  /** Where this replica actually listens. */
  listenUrl: string;
  pool: UpstreamPool;
  audit: MongoAuditStore;
  consentStore: ConsentStore;
  sessions: SessionResolver;
  policy: PolicyEngine;
  pipeline: CallPipeline;
  metrics: GatewayMetrics;
  endpoint: McpEndpoint;
  close(): Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { config, logger, baseDir } = options;
  const idp = config.identity.idp;
  if (!idp) {
    throw new ConfigError('the gateway configuration', [
      'identity.idp: required: the IdP whose tokens prove who the human is (issuer, audience, jwksUrl or publicKeyFiles); identity checks cannot be switched off',
    ]);
  }
  const gatewayInstance = randomUUID();
  const metrics = createGatewayMetrics();
  const audit = new MongoAuditStore({
    db: options.db,
    writeTimeoutMs: config.audit.writeTimeoutMs,
    maxBatch: config.audit.maxBatch,
    logger,
    metrics,
  });
  await audit.ensureIndexes();
  const consentStore = new ConsentStore(options.db);
  await consentStore.ensureIndexes();
  const sessions = new SessionResolver({ store: consentStore, logger });
  // Policy and keys load before anything starts polling or connecting, so a bad file stops start-up cleanly.
  const policy = await PolicyEngine.load({
    dir: path.resolve(baseDir, config.policies.dir),
    timeZone: config.policies.timeZone,
    logger,
  });
  const stopWatching = config.policies.watch ? policy.watch() : () => undefined;
  const verifier = await HumanTokenVerifier.create(idp, baseDir);
  const keys = await GatewayKeys.loadOrCreate(path.resolve(baseDir, config.identity.signingKeyFile));
  const tiers = new TierClassifier(config.tiers);
  await sessions.start();

  const pool = new UpstreamPool({ upstreams: config.upstreams, baseDir, logger, metrics });
  await pool.start();

  /** A refusal or cut-off that never reached a tool, in the audit trail (best effort: nothing is forwarded). */
  const recordSecurityEvent = (code: string, message: string, principal: Principal): void => {
    audit.recordDecision(securityEventRecord({ code, message, ...principal, gatewayInstance })).catch(() => undefined);
  };

  const pipeline = new CallPipeline({
    pool,
    audit,
    decider: new CedarCallDecider(policy),
    limits: config.gateway.limits,
    callTimeoutMs: config.gateway.callTimeoutMs,
    maxTotalCallTimeoutMs: config.gateway.maxTotalCallTimeoutMs,
    redactKeys: config.audit.redactKeys,
    gatewayInstance,
    metrics,
  });
  const endpoint = new McpEndpoint({
    toolLists: new ConsentToolLists(pool),
    pipeline,
    logger,
    maxRequestBytes: config.gateway.limits.maxRequestBytes,
    legacySessions: config.gateway.legacySessions,
    onSessionCountChanged: (count) => metrics.openSessions.set({ kind: 'legacy-transport' }, count),
    onSessionHijackAttempt: (scope) =>
      recordSecurityEvent(
        'MCP_SESSION_PRINCIPAL_MISMATCH',
        'An MCP session id was presented by a principal other than the one that opened it; answered 404.',
        scope.principal,
      ),
  });
  pool.onToolsChanged(() => endpoint.notifyToolsChanged());

  // The resource URL is the token audience, so it must be known before any token is minted or checked.
  let url = config.gateway.publicUrl ?? '';
  let tokens: SessionTokenService | null = null;
  const lateTokens = (): SessionTokenService => {
    if (!tokens) throw new Error('gateway not listening yet');
    return tokens;
  };
  const consents = new ConsentService({
    store: consentStore,
    pool,
    tiers,
    tokens: { mint: (claims) => lateTokens().mint(claims) } as SessionTokenService,
    consentMaxTtlSeconds: config.identity.consentMaxTtlSeconds,
    sessionTokenMaxTtlSeconds: config.identity.sessionTokenMaxTtlSeconds,
  });
  const authenticator = new McpAuthenticator({
    tokens: { verify: (token: string) => lateTokens().verify(token) } as SessionTokenService,
    sessions,
    audit,
    resourceMetadataUrl: '',
    gatewayInstance,
  });

  const openStreams = new OpenStreams({
    check: (sessionId) => sessions.resolve(sessionId),
    logger,
    onClosed: (principal, code, responses) => {
      metrics.streamsClosed.inc({ code }, responses);
      endpoint.cutOff(principal, code !== 'SESSION_PAUSED');
      recordSecurityEvent(
        'OPEN_STREAMS_CLOSED',
        `${responses} open MCP stream(s) or call(s) of this session were closed: ${code}.`,
        principal,
      );
    },
  });

  let hostGuard: HostGuardOptions = { allowedHosts: new Set(), allowedOrigins: new Set() };
  const server = createHttpServer({
    endpoint,
    authenticator,
    consents: {
      verifier,
      consents,
      mcpUrl: () => `${url}/mcp`,
      resourceMetadataUrl: () => `${url}/.well-known/oauth-protected-resource`,
      logger,
    },
    protectedResourceMetadata: () =>
      protectedResourceMetadata({ resource: `${url}/mcp`, authorizationServers: [idp.issuer] }),
    jwks: () => keys.jwks(),
    logger,
    metrics,
    hostGuard: () => hostGuard,
    health: () => checkHealth(audit, pool),
    maxRequestBytes: config.gateway.limits.maxRequestBytes,
    openStreams,
  });
  const port = options.port ?? config.gateway.port;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, config.gateway.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  url ||= `http://${config.gateway.host}:${actualPort}`;
  tokens = new SessionTokenService(keys, { issuer: url, audience: `${url}/mcp` });
  authenticator.setResourceMetadataUrl(`${url}/.well-known/oauth-protected-resource`);
  hostGuard = {
    allowedHosts: new Set(
      config.gateway.allowedHosts ?? defaultAllowedHosts(config.gateway.host, actualPort, config.gateway.publicUrl),
    ),
    allowedOrigins: new Set(config.gateway.allowedOrigins.map((origin) => origin.toLowerCase())),
  };
  logger.info(
    {
      url: `${url}/mcp`,
      policySetHash: policy.policySetHash,
      upstreams: pool.states().map((state) => `${state.name}:${state.connected ? state.era : 'down'}`),
    },
    'gateway listening',
  );

  return {
    url,
    mcpUrl: `${url}/mcp`,
    listenUrl: `http://${config.gateway.host}:${actualPort}`,
    pool,
    audit,
    consentStore,
    sessions,
    policy,
    pipeline,
    metrics,
    endpoint,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await endpoint.close();
      await pool.close();
      stopWatching();
      policy.close();
      sessions.stop();
      openStreams.stop();
      await audit.flush();
      audit.close();
    },
  };
}
