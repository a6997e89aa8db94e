// A lean 2026-07-28 agent for the throughput runs: pre-serialised tools/call POSTs over a
// keep-alive node:http agent, answers parsed and checked. The SDK client costs the load
// generator 0.7–1.8 ms of CPU per call, which on two cores takes CPU from the gateway being
// measured; this one costs a small fraction of that, so the gateway's own capacity shows.
// Same wire format the SDK client sends (headers and envelope), same check of the answer.
import http from 'node:http';
import type { Caller } from './load.ts';

export function connectRaw(
  label: string,
  url: string,
  tool: string,
  args: Record<string, unknown>,
  token?: string,
): Caller {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  let nextId = 1;
  let last: string | undefined;
  const params = {
    name: tool,
    arguments: args,
    _meta: {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': {},
      'io.modelcontextprotocol/clientInfo': { name: 'countersign-bench-raw', version: '0.1.0' },
    },
  };
  const paramsJson = JSON.stringify(params);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': 'tools/call',
    'mcp-name': tool,
    ...(token ? { authorization: `Bearer ${token}` } : {}),
  };

  const call = (): Promise<boolean> =>
    new Promise((resolve) => {
      const id = nextId++;
      const body = `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":${paramsJson}}`;
      const req = http.request(
        target,
        { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve(check(res.statusCode ?? 0, res.headers['content-type'] ?? '', text, id)));
          res.on('error', (error) => {
            last = error.message;
            resolve(false);
          });
        },
      );
      req.on('error', (error) => {
        last = error.message;
        resolve(false);
      });
      req.end(body);
    });

  const check = (status: number, type: string, text: string, id: number): boolean => {
    // SSE answers (progress before the result) end with the result frame.
    const json = type.startsWith('text/event-stream') ? (/data: (.*)\n\n$/.exec(text)?.[1] ?? '') : text;
    try {
      const message = JSON.parse(json) as { id?: unknown; result?: { isError?: boolean }; error?: unknown };
      if (status !== 200 || message.id !== id || !message.result || message.result.isError) {
        last = `HTTP ${status}: ${text.slice(0, 200)}`;
        return false;
      }
      return true;
    } catch {
      last = `HTTP ${status}, unparseable answer: ${text.slice(0, 200)}`;
      return false;
    }
  };

  return {
    label,
    call,
    lastError: () => last,
    close: () => {
      agent.destroy();
      return Promise.resolve();
    },
  };
}
