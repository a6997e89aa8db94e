// Builds the client transport for one configured upstream. Stdio children are spawned from config
// only (never from agent input), without a shell, and with an explicit environment: the gateway's
// own secrets (MONGODB_URI, SLACK_BOT_TOKEN, …) are not inherited by tools.
import path from 'node:path';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { HttpUpstreamConfig, StdioUpstreamConfig, UpstreamConfig } from '../../config/schema.ts';

const ALWAYS_PASSED = ['PATH', 'HOME', 'LANG', 'TZ', 'NODE_OPTIONS_SAFE'];

export function childEnvironment(config: StdioUpstreamConfig, parentEnv: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [...ALWAYS_PASSED, ...config.envPassthrough]) {
    const value = parentEnv[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...config.env };
}

export function createStdioTransport(config: StdioUpstreamConfig, baseDir: string): StdioClientTransport {
  return new StdioClientTransport({
    command: config.command,
    args: config.args,
    cwd: config.cwd ? path.resolve(baseDir, config.cwd) : baseDir,
    env: childEnvironment(config, process.env),
    stderr: 'pipe',
  });
}

export function createHttpTransport(config: HttpUpstreamConfig): StreamableHTTPClientTransport {
  return new StreamableHTTPClientTransport(new URL(config.url), {
    requestInit: { headers: config.headers },
  });
}

export function createTransport(
  config: UpstreamConfig,
  baseDir: string,
): StdioClientTransport | StreamableHTTPClientTransport {
  return config.transport === 'stdio' ? createStdioTransport(config, baseDir) : createHttpTransport(config);
}
