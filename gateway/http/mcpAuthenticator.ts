// Authenticates every /mcp request: the agent-session token (never an MCP session id) is verified,
// then its session and consent are checked against the store (revocation and pause visible within a
// second on every replica). Failures become RFC 9728 challenges, and each is audited.
import type { AuditWriter } from '../../audit/auditStore.ts';
import { securityEventRecord } from '../../audit/record.ts';
import type { ResolvedSession, SessionResolver } from '../consent/sessionResolver.ts';
import { SessionError } from '../consent/sessionErrors.ts';
import { AuthError } from '../identity/errors.ts';
import { bearerToken, wwwAuthenticate } from '../identity/protectedResource.ts';
import type { AgentSessionClaims, SessionTokenService } from '../identity/sessionTokens.ts';
import type { Principal } from '../pipeline/decision.ts';

export interface AuthenticatedCaller {
  claims: AgentSessionClaims;
  resolved: ResolvedSession;
  principal: Principal;
}

export interface Refusal {
  status: number;
  headers: Record<string, string>;
  body: { jsonrpc: '2.0'; error: { code: number; message: string; data: { code: string } }; id: null };
}

export interface McpAuthenticatorOptions {
  tokens: SessionTokenService;
  sessions: SessionResolver;
  audit: AuditWriter;
  resourceMetadataUrl: string;
  gatewayInstance: string;
}

export class McpAuthenticator {
  private resourceMetadataUrl: string;

  constructor(private readonly options: McpAuthenticatorOptions) {
    this.resourceMetadataUrl = options.resourceMetadataUrl;
  }

  /** Known only once the server listens (the URL depends on the bound port when none is configured). */
  setResourceMetadataUrl(url: string): void {
    this.resourceMetadataUrl = url;
  }

  /** Never throws: a failure comes back as the HTTP refusal to send (and is audited). */
  async authenticate(
    authorization: string | undefined,
    protocolVersion: string | null,
  ): Promise<{ ok: true; caller: AuthenticatedCaller } | { ok: false; refusal: Refusal }> {
    let claims: AgentSessionClaims | undefined;
    try {
      const token = bearerToken(authorization);
      if (!token)
        throw new AuthError(
          'TOKEN_MISSING',
          'An agent-session token is required (Authorization: Bearer …). Get one by granting consent.',
        );
      claims = await this.options.tokens.verify(token);
      const resolved = await this.options.sessions.resolve(claims.sessionId);
      if (
        resolved.session.consentId !== claims.consentId ||
        resolved.session.human !== claims.human ||
        resolved.session.agent !== claims.agent
      ) {
        throw new AuthError('TOKEN_INVALID_CLAIMS', 'The token does not match its session.');
      }
      return {
        ok: true,
        caller: {
          claims,
          resolved,
          principal: {
            session: claims.sessionId,
            human: claims.human,
            agent: claims.agent,
            consentId: claims.consentId,
          },
        },
      };
    } catch (error) {
      return { ok: false, refusal: this.refuse(error, { protocolVersion, ...(claims ? { claims } : {}) }) };
    }
  }

  /** The HTTP answer for a failed authentication, recorded in the audit trail. */
  refuse(error: unknown, context: { protocolVersion: string | null; claims?: AgentSessionClaims }): Refusal {
    const known = error instanceof AuthError || error instanceof SessionError;
    const code = known ? error.code : 'AUTH_FAILED';
    const message = known ? error.message : 'Authentication failed.';
    const status = known ? error.status : 401;
    this.options.audit
      .recordDecision(
        securityEventRecord({
          code,
          message,
          session: context.claims?.sessionId ?? null,
          human: context.claims?.human ?? null,
          agent: context.claims?.agent ?? null,
          consentId: context.claims?.consentId ?? null,
          protocolVersion: context.protocolVersion,
          gatewayInstance: this.options.gatewayInstance,
        }),
      )
      .catch(() => undefined);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (status === 401) {
      headers['www-authenticate'] = wwwAuthenticate({
        resourceMetadataUrl: this.resourceMetadataUrl,
        ...(code === 'TOKEN_MISSING' ? {} : { error: 'invalid_token' as const, description: message }),
      });
    }
    return { status, headers, body: { jsonrpc: '2.0', error: { code: -32001, message, data: { code } }, id: null } };
  }
}
