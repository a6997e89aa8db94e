// Test-only admin surface, on the same listener as /mcp:
//   POST /admin/tools/:name/description  {"description": "..."}  — change a tool's description (rug pull)
//   POST /admin/tools/enable-beta                                — add the `canary_release` tool
// Both publish notifications/tools/list_changed to open subscriptions/listen streams.
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod';
import { UnknownToolError, type MutableCatalog } from './catalog.ts';

export class AdminError extends Error {
  override readonly name = 'AdminError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface AdminDeps {
  catalog: MutableCatalog;
  enableBeta(): boolean;
  toolsChanged(): void;
}

const DescriptionBody = z.object({ description: z.string().min(1).max(4000) });
const MAX_BODY_BYTES = 64 * 1024;

/** Answers an /admin/ request. */
export async function handleAdmin(req: IncomingMessage, res: ServerResponse, path: string, deps: AdminDeps) {
  try {
    if (req.method !== 'POST') throw new AdminError(405, 'METHOD_NOT_ALLOWED', 'Admin endpoints accept POST only');
    const segments = path.split('/').filter(Boolean).map(decodeSegment); // ['admin', 'tools', ...]
    if (segments.length === 3 && segments[2] === 'enable-beta') {
      const added = deps.enableBeta();
      if (added) deps.toolsChanged();
      return reply(res, 200, { added, tools: deps.catalog.list().map((tool) => tool.name) });
    }
    const name = segments[2];
    if (segments.length === 4 && name !== undefined && segments[3] === 'description') {
      const body = DescriptionBody.safeParse(await readJson(req));
      if (!body.success) throw new AdminError(400, 'INVALID_BODY', z.prettifyError(body.error));
      deps.catalog.setDescription(name, body.data.description);
      deps.toolsChanged();
      return reply(res, 200, { tool: name, description: body.data.description });
    }
    throw new AdminError(404, 'NOT_FOUND', `No admin endpoint at ${path}`);
  } catch (error) {
    if (error instanceof UnknownToolError)
      return reply(res, 404, { error: { code: error.code, message: error.message } });
    if (error instanceof AdminError)
      return reply(res, error.status, { error: { code: error.code, message: error.message } });
    throw error;
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new AdminError(400, 'INVALID_PATH', `Malformed path segment ${segment}`);
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new AdminError(413, 'BODY_TOO_LARGE', `Body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new AdminError(400, 'INVALID_JSON', 'Body is not valid JSON');
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
