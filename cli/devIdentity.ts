// The embedded default's identity provider: a local signing key in the data directory, so
// everything works offline with identity checks on. The gateway trusts it exactly as it would trust
// the organisation's IdP (issuer, audience, public key file); nothing is switched off.
import path from 'node:path';
import type { ConfigFile } from '../config/schema.ts';
import { DevIdentityProvider } from '../gateway/identity/devIdp.ts';

export const DEV_IDP_AUDIENCE = 'countersign';

export function devIdpDir(dataDir: string): string {
  return path.join(dataDir, 'idp');
}

/** Loads (or creates) the dev IdP and points the config at it when no IdP is configured. */
export async function withDevIdentity(
  config: ConfigFile,
  dataDir: string,
): Promise<{ config: ConfigFile; idp: DevIdentityProvider }> {
  const idp = await DevIdentityProvider.loadOrCreate(devIdpDir(dataDir));
  const identity = {
    ...config.identity,
    idp: config.identity.idp ?? {
      issuer: idp.issuer,
      audience: DEV_IDP_AUDIENCE,
      publicKeyFiles: [idp.publicKeyFile],
      algorithms: ['ES256', 'RS256', 'EdDSA'],
      clockToleranceSeconds: 30,
      groupsClaim: 'groups',
    },
  };
  return { config: { ...config, identity }, idp };
}
