// POST /consents: the production path for granting consent. The human authenticates with their
// IdP token; the body says which agent, which tools, up to which tier, for how long and why. The
// answer carries the agent-session token and an MCP client config snippet.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { formatIssues } from '../../config/load.ts';
import { ConsentRequestError, consentRequestSchema, type ConsentService } from '../consent/consentService.ts';
import { AuthError } from '../identity/errors.ts';
import type { HumanTokenVerifier } from '../identity/humanTokens.ts';
import { bearerToken, wwwAuthenticate } from '../identity/protectedResource.ts';
import { BodyError, readJsonBody } from './readJsonBody.ts';

export interface ConsentsRouteOptions {
  verifier: HumanTokenVerifier;
  consents: ConsentService;
  mcpUrl: () => string;
  resourceMetadataUrl: () => string;
  logger: Logger;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function mcpClientConfig(mcpUrl: string, token: string): Record<string, unknown> {
  return { mcpServers: { countersign: { type: 'http', url: mcpUrl, headers: { Authorization: `Bearer ${token}` } } } };
}

export async function handleConsents(
  req: IncomingMessage,
  res: ServerResponse,
  options: ConsentsRouteOptions,
): Promise<void> {
  if (req.method !== 'POST') {
    send(res, 405, { error: 'method_not_allowed', message: 'POST a consent request' }, { allow: 'POST' });
    return;
  }
  try {
    const token = bearerToken(req.headers.authorization);
    if (!token) throw new AuthError('TOKEN_MISSING', 'Send your identity provider token as Authorization: Bearer …');
    const human = await options.verifier.verify(token);
    const body = await readJsonBody(req, 64 * 1024);
    const parsed = consentRequestSchema.safeParse(body);
    if (!parsed.success) {
      send(res, 400, { error: 'invalid_request', problems: formatIssues(parsed.error, body) });
      return;
    }
    const granted = await options.consents.grant(human, parsed.data);
    options.logger.info(
      { human: human.subject, agent: parsed.data.agent, consentId: granted.consentId, tools: granted.tools.length },
      'consent granted',
    );
    send(res, 201, {
      ...granted,
      mcpUrl: options.mcpUrl(),
      mcpClientConfig: mcpClientConfig(options.mcpUrl(), granted.token),
    });
  } catch (error) {
    if (error instanceof AuthError) {
      const headers: Record<string, string> =
        error.status === 401
          ? {
              'www-authenticate': wwwAuthenticate({
                resourceMetadataUrl: options.resourceMetadataUrl(),
                error: 'invalid_token',
                description: error.message,
              }),
            }
          : {};
      send(res, error.status, { error: error.code, message: error.message }, headers);
    } else if (error instanceof BodyError) {
      send(res, error.status, { error: 'invalid_request', message: error.message });
    } else if (error instanceof ConsentRequestError) {
      send(res, 400, { error: error.code, message: error.message });
    } else {
      options.logger.error({ err: (error as Error).message }, 'consent grant failed');
      send(res, 503, {
        error: 'unavailable',
        message: 'The consent could not be stored; nothing was granted. Retry shortly.',
      });
    }
  }
}
