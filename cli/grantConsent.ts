// Grants consent through a running gateway's POST /consents, proving the human with their IdP token
// or, on the embedded default, with a token minted by the dev IdP in the data directory.
import path from 'node:path';
import { DevIdentityProvider } from '../gateway/identity/devIdp.ts';
import { DEV_IDP_AUDIENCE, devIdpDir } from './devIdentity.ts';

export interface GrantOptions {
  gatewayUrl: string;
  human: string;
  groups: string[];
  agent: string;
  tools: string[];
  maxTier: string;
  ttlSeconds: number;
  reason: string;
  ticket?: string;
  idToken?: string;
  dataDir: string;
}

export interface GrantResponse {
  consentId: string;
  sessionId: string;
  token: string;
  expiresAt: string;
  tools: Array<{ name: string; tier: string }>;
  mcpUrl: string;
  mcpClientConfig: Record<string, unknown>;
}

export async function grantConsent(options: GrantOptions): Promise<GrantResponse> {
  const idToken =
    options.idToken ??
    (await (
      await DevIdentityProvider.loadOrCreate(devIdpDir(path.resolve(options.dataDir)))
    ).issueHumanToken({ subject: options.human, audience: DEV_IDP_AUDIENCE, groups: options.groups, ttlSeconds: 300 }));
  const response = await fetch(new URL('/consents', options.gatewayUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${idToken}` },
    body: JSON.stringify({
      agent: options.agent,
      tools: options.tools,
      maxTier: options.maxTier,
      ttlSeconds: options.ttlSeconds,
      reason: options.reason,
      ...(options.ticket ? { ticket: options.ticket } : {}),
    }),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) {
    const detail = Array.isArray(body['problems'])
      ? (body['problems'] as string[]).join('; ')
      : String(body['message'] ?? body['error']);
    throw new Error(`the gateway refused the consent (${response.status}): ${detail}`);
  }
  return body as unknown as GrantResponse;
}
