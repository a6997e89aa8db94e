// The shape of countersign.yaml. Everything has a default that is safe on one machine, so a
// minimal file is just the upstreams. Later layers (tiers, approvers, guardians, policy folder)
// already have their place here so adding them does not change the file's shape.
import { z } from 'zod';

const upstreamName = z
  .string()
  .regex(
    /^[a-z][a-z0-9_-]{0,31}$/,
    'lower-case letters, digits, _ or -, starting with a letter, at most 32 characters',
  );

const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');

const stdioUpstream = z.strictObject({
  name: upstreamName,
  transport: z.literal('stdio'),
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  cwd: z.string().optional(),
  /** Fixed environment for the child. The gateway's own environment is never inherited wholesale. */
  env: z.record(envVarName, z.string()).default({}),
  /** Names of gateway environment variables passed through to the child (PATH and HOME are always passed). */
  envPassthrough: z.array(envVarName).default([]),
  callTimeoutMs: z.number().int().positive().optional(),
});

const httpUpstream = z.strictObject({
  name: upstreamName,
  transport: z.literal('http'),
  url: z.url({ protocol: /^https?$/ }),
  /** Static headers for the upstream (e.g. its own API key). Never the agent's token. */
  headers: z.record(z.string(), z.string()).default({}),
  callTimeoutMs: z.number().int().positive().optional(),
});

export const upstreamSchema = z.discriminatedUnion('transport', [stdioUpstream, httpUpstream]);

const tierRule = z.strictObject({
  upstream: z.string().default('*'),
  tool: z.string().default('*'),
  tier: z.enum(['read', 'write', 'destructive']),
});

export const configFileSchema = z.strictObject({
  gateway: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(7410),
      /** The gateway's resource URL (token audience, metadata). Defaults to http://host:port. */
      publicUrl: z.url().optional(),
      /** Host header values accepted on /mcp (DNS-rebinding defence). Defaults to the listen address and localhost. */
      allowedHosts: z.array(z.string()).optional(),
      /** Origins allowed to call /mcp from a browser. Requests without Origin are not browser requests. */
      allowedOrigins: z.array(z.string()).default([]),
      legacySessions: z
        .strictObject({
          /** Keep 2025-era MCP transport sessions (needed for list-changed notifications to old clients). */
          enabled: z.boolean().default(true),
          max: z.number().int().positive().default(1000),
          idleTimeoutMs: z
            .number()
            .int()
            .positive()
            .default(10 * 60_000),
        })
        .prefault({}),
      limits: z
        .strictObject({
          maxRequestBytes: z
            .number()
            .int()
            .positive()
            .default(1024 * 1024),
          maxArgumentBytes: z
            .number()
            .int()
            .positive()
            .default(256 * 1024),
          maxArgumentDepth: z.number().int().positive().default(32),
        })
        .prefault({}),
      callTimeoutMs: z.number().int().positive().default(60_000),
      maxTotalCallTimeoutMs: z
        .number()
        .int()
        .positive()
        .default(10 * 60_000),
    })
    .prefault({}),
  audit: z
    .strictObject({
      database: z.string().default('countersign'),
      /** A decision record not durable within this bound fails the call closed. */
      writeTimeoutMs: z.number().int().positive().default(2000),
      maxBatch: z.number().int().positive().max(10_000).default(256),
      redactKeys: z
        .array(z.string())
        .default(['password', 'secret', 'token', 'apiKey', 'api_key', 'authorization', 'credentials', 'privateKey']),
    })
    .prefault({}),
  temporal: z
    .strictObject({
      taskQueue: z.string().default('countersign'),
    })
    .prefault({}),
  upstreams: z.array(upstreamSchema).min(1, 'at least one upstream is required'),
  tiers: z.array(tierRule).default([]),
  policies: z
    .strictObject({
      dir: z.string().default('./policies'),
      /** IANA time zone for business-hours rules. */
      timeZone: z.string().default('UTC'),
      watch: z.boolean().default(true),
    })
    .prefault({}),
  identity: z
    .strictObject({
      /** The organisation's IdP (OIDC issuer). `countersign dev` runs a local one. */
      idp: z
        .strictObject({
          issuer: z.string().min(1),
          audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
          jwksUrl: z.url().optional(),
          /** JWK/JWKS/PEM public key files, for air-gapped setups (relative to this file). */
          publicKeyFiles: z.array(z.string()).optional(),
          algorithms: z.array(z.string()).default(['RS256', 'ES256', 'EdDSA']),
          clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
          groupsClaim: z.string().default('groups'),
        })
        .refine((idp) => idp.jwksUrl !== undefined || (idp.publicKeyFiles?.length ?? 0) > 0, {
          message: 'set jwksUrl or publicKeyFiles so IdP tokens can be verified',
        })
        .optional(),
      /** The gateway's ES256 signing key (agent-session tokens); every replica must use the same file. */
      signingKeyFile: z.string().default('.data/keys/gateway-signing-key.json'),
      /** Upper bound on an agent-session token's lifetime; a consent may be shorter. */
      sessionTokenMaxTtlSeconds: z
        .number()
        .int()
        .positive()
        .default(8 * 3600),
      /** Upper bound on a consent's lifetime. */
      consentMaxTtlSeconds: z
        .number()
        .int()
        .positive()
        .default(30 * 24 * 3600),
    })
    .prefault({}),
});

export type ConfigFile = z.infer<typeof configFileSchema>;
export type UpstreamConfig = z.infer<typeof upstreamSchema>;
export type StdioUpstreamConfig = z.infer<typeof stdioUpstream>;
export type HttpUpstreamConfig = z.infer<typeof httpUpstream>;

/** Environment variables, named as in the product brief. */
export const envSchema = z.object({
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'a mongodb:// or mongodb+srv:// connection string')
    .default('mongodb://127.0.0.1:27017/'),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:/]+:\d{1,5}$/, 'host:port')
    .default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  SLACK_BOT_TOKEN: z.string().startsWith('xoxb-', 'a Slack bot token (xoxb-…)').optional(),
  SLACK_SIGNING_SECRET: z.string().min(8).optional(),
  SLACK_APPROVAL_CHANNEL: z.string().min(1).optional(),
  SLACK_API_URL: z.url().optional(),
  PAGERDUTY_ROUTING_KEY: z.string().min(1).optional(),
  PAGERDUTY_EVENTS_URL: z.url().optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

export type EnvConfig = z.infer<typeof envSchema>;
