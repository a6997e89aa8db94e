// MCP authorization as a resource server: RFC 9728 protected-resource metadata, the 401 challenge
// that points clients at it, and Bearer token extraction (RFC 6750).

export function protectedResourceMetadata(options: {
  /** The gateway URL + '/mcp'. */
  resource: string;
  /** The IdP issuer(s). */
  authorizationServers: string[];
  scopesSupported?: string[];
}): Record<string, unknown> {
  return {
    resource: options.resource,
    authorization_servers: options.authorizationServers,
    bearer_methods_supported: ['header'],
    ...(options.scopesSupported === undefined ? {} : { scopes_supported: options.scopesSupported }),
    resource_name: 'Countersign MCP gateway',
  };
}

/**
 * RFC 6750 allows only %x20-21 / %x23-5B / %x5D-7E in quoted values: no quotes, backslashes,
 * control characters or non-ASCII. Anything else is replaced, so no text can break the header.
 */
function quoted(value: string): string {
  return `"${value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, (char) => (char === '"' ? "'" : ' '))}"`;
}

export function wwwAuthenticate(options: {
  resourceMetadataUrl: string;
  error?: 'invalid_token' | 'insufficient_scope';
  description?: string;
}): string {
  const parts = [`resource_metadata=${quoted(options.resourceMetadataUrl)}`];
  if (options.error !== undefined) parts.push(`error=${quoted(options.error)}`);
  if (options.description !== undefined) parts.push(`error_description=${quoted(options.description)}`);
  return `Bearer ${parts.join(', ')}`;
}

/** RFC 6750 b64token after 'Bearer ' (scheme case-insensitive). */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/** The token from an Authorization header; undefined if absent, another scheme, or malformed. */
export function bearerToken(authorizationHeader: string | undefined): string | undefined {
  if (authorizationHeader === undefined) return undefined;
  return BEARER.exec(authorizationHeader.trim())?.[1];
}
