// The gateway configuration the bench runs, and the agent-session token its clients present: a
// local dev IdP (as `countersign dev` and the e2e tests use), the repository's own Cedar policies,
// list_deployments classified `read`, and a consent granted through POST /consents.
import path from 'node:path';
import { DevIdentityProvider } from '../../gateway/identity/devIdp.ts';
import { REPO_ROOT } from './children.ts';

export const BENCH_AUDIENCE = 'countersign';

export interface BenchIdentity {
  idp: DevIdentityProvider;
  dir: string;
}

export async function prepareIdentity(dir: string): Promise<BenchIdentity> {
  return { idp: await DevIdentityProvider.loadOrCreate(path.join(dir, 'idp')), dir };
}

/** The gateway's configuration file for the bench (JSON is valid YAML). */
export function gatewayConfigText(options: { identity: BenchIdentity; upstreamUrl: string; database: string }): string {
  const { identity } = options;
  return JSON.stringify({
    gateway: { host: '127.0.0.1', port: 0 },
    audit: { database: options.database },
    upstreams: [{ name: 'deployments', transport: 'http', url: options.upstreamUrl }],
    tiers: [
      { upstream: 'deployments', tool: 'list_deployments', tier: 'read' },
      { upstream: 'deployments', tool: 'get_deployment', tier: 'read' },
      // The lean echo upstream of the throughput runs stands in under the same name.
      { upstream: 'deployments', tool: 'echo', tier: 'read' },
    ],
    policies: { dir: path.join(REPO_ROOT, 'policies') },
    identity: {
      idp: { issuer: identity.idp.issuer, audience: BENCH_AUDIENCE, publicKeyFiles: [identity.idp.publicKeyFile] },
      signingKeyFile: path.join(identity.dir, 'keys', 'gateway-signing-key.json'),
    },
  });
}

/** Grants a consent for the bench agent and returns its agent-session token. */
export async function grantConsent(identity: BenchIdentity, baseUrl: string, agent = 'bench-agent'): Promise<string> {
  const idToken = await identity.idp.issueHumanToken({
    subject: 'bench@example.com',
    audience: BENCH_AUDIENCE,
    groups: ['sre'],
  });
  const response = await fetch(new URL('/consents', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${idToken}` },
    body: JSON.stringify({
      agent,
      tools: ['deployments.*'],
      maxTier: 'read',
      ttlSeconds: 4 * 3600,
      reason: 'benchmark run',
    }),
  });
  const body = (await response.json()) as { token?: string };
  if (response.status !== 201 || !body.token)
    throw new Error(`consent refused (${response.status}): ${JSON.stringify(body)}`);
  return body.token;
}
