// One pooled MCP client per upstream. Connected once at start-up (no handshake on the hot path),
// reconnected with backoff when the upstream goes away, and kept current on tool-list changes.
// The era each upstream speaks (2026-07-28 or 2025-era) is learnt once and reused on reconnect.
import { Client, type Tool, type CallToolResult } from '@modelcontextprotocol/client';
import type { Logger } from 'pino';
import type { UpstreamConfig } from '../../config/schema.ts';
import { UpstreamCallError, UpstreamTimeoutError, UpstreamUnavailableError, errorMessage } from '../errors.ts';
import { canonicalHash } from '../canonicalJson.ts';
import { ModernHttpCaller } from './modernHttpCaller.ts';
import { createTransport } from './transports.ts';
import { toAbortSignal, type CancelSignal } from '../pipeline/callCancellation.ts';

type PriorDiscovery = NonNullable<Parameters<Client['connect']>[1]>['prior'];

export interface UpstreamState {
  name: string;
  connected: boolean;
  era: 'modern' | 'legacy' | null;
  protocolVersion: string | null;
  serverName: string | null;
  instructions: string | null;
  /** Hash of the server's instructions; consent pins it (changed instructions block the server). */
  instructionsHash: string;
  tools: Tool[];
  lastError: string | null;
  /** Child process id of a stdio upstream (operators and tests use it). */
  pid: number | null;
}

export interface CallOptions {
  signal: CancelSignal;
  timeoutMs: number;
  maxTotalTimeoutMs: number;
  onProgress?: (progress: { progress: number; total?: number; message?: string }) => void;
}

export interface UpstreamConnectionOptions {
  baseDir: string;
  logger: Logger;
  onToolsChanged: (upstream: string) => void;
  onConnectionChanged?: (upstream: string, connected: boolean) => void;
  /** Handshake / list timeout; calls use their own. */
  connectTimeoutMs?: number;
}

const CLIENT_INFO = { name: 'countersign-gateway', version: '0.1.0' };
const MAX_BACKOFF_MS = 5000;

export class UpstreamConnection {
  private client: Client | null = null;
  private connecting: Promise<void> | null = null;
  private prior: PriorDiscovery | undefined;
  private closed = false;
  private backoffMs = 250;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private subscription: { close(): Promise<void> } | null = null;
  /** The hot path for 2026-07-28 HTTP upstreams (see modernHttpCaller.ts); null otherwise. */
  private direct: ModernHttpCaller | null = null;
  /** Tools whose input schema declares x-mcp-header: their Mcp-Param-* headers are the SDK client's job. */
  private sdkOnlyTools = new Set<string>();
  readonly state: UpstreamState;

  constructor(
    readonly config: UpstreamConfig,
    private readonly options: UpstreamConnectionOptions,
  ) {
    this.state = {
      name: config.name,
      connected: false,
      era: null,
      protocolVersion: null,
      serverName: null,
      instructions: null,
      instructionsHash: canonicalHash(''),
      tools: [],
      lastError: null,
      pid: null,
    };
  }

  get name(): string {
    return this.config.name;
  }

  /** Connects, or keeps retrying in the background; resolves after the first attempt either way. */
  async start(): Promise<void> {
    await this.ensureConnected().catch(() => undefined);
  }

  private ensureConnected(): Promise<void> {
    if (this.state.connected && this.client) return Promise.resolve();
    this.connecting ??= this.connectOnce().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async connectOnce(): Promise<void> {
    const log = this.options.logger.child({ upstream: this.name });
    const client = new Client(CLIENT_INFO, {
      capabilities: {},
      versionNegotiation: { mode: 'auto' },
      listChanged: {
        tools: {
          onChanged: (error, tools) => {
            if (error || !tools) {
              log.warn({ err: error ? errorMessage(error) : 'no tools' }, 'tool list refresh after change failed');
              return;
            }
            this.setTools(tools);
            this.options.onToolsChanged(this.name);
          },
        },
      },
    });
    const transport = createTransport(this.config, this.options.baseDir);
    const timeout = this.options.connectTimeoutMs ?? 10_000;
    try {
      await client.connect(transport, { timeout, ...(this.prior ? { prior: this.prior } : {}) });
      const { tools } = await client.listTools(undefined, { timeout, cacheMode: 'refresh' });
      const era = client.getProtocolEra() ?? 'legacy';
      const discover = client.getDiscoverResult();
      this.prior = era === 'modern' && discover ? { kind: 'modern', discover } : { kind: 'legacy' };
      Object.assign(this.state, {
        connected: true,
        era,
        protocolVersion: client.getNegotiatedProtocolVersion() ?? null,
        serverName: client.getServerVersion()?.name ?? null,
        instructions: client.getInstructions() ?? null,
        instructionsHash: canonicalHash(client.getInstructions() ?? ''),
        lastError: null,
        pid: 'pid' in transport ? transport.pid : null,
      });
      this.setTools(tools);
      this.client = client;
      this.direct?.close();
      this.direct =
        era === 'modern' && this.config.transport === 'http'
          ? new ModernHttpCaller({
              url: new URL(this.config.url),
              headers: this.config.headers,
              protocolVersion: this.state.protocolVersion ?? '2026-07-28',
              clientInfo: CLIENT_INFO,
              onConnectionError: (message) => this.handleDisconnect(message),
            })
          : null;
      this.backoffMs = 250;
      client.onclose = () => this.handleDisconnect('connection closed');
      if ('stderr' in transport && transport.stderr) {
        transport.stderr.on('data', (chunk: Buffer) =>
          log.debug({ stderr: chunk.toString().trimEnd() }, 'upstream stderr'),
        );
      }
      if (era === 'modern') await this.watchChangeSubscription(client, log);
      log.info({ era, protocolVersion: this.state.protocolVersion, tools: tools.length }, 'upstream connected');
      this.options.onConnectionChanged?.(this.name, true);
      this.options.onToolsChanged(this.name);
    } catch (error) {
      this.state.lastError = errorMessage(error);
      this.state.connected = false;
      // A stale cached era must not wedge reconnects: probe afresh next time.
      this.prior = undefined;
      await client.close().catch(() => undefined);
      log.warn({ err: this.state.lastError }, 'upstream connect failed; will retry');
      this.scheduleReconnect();
      throw new UpstreamUnavailableError(this.name, this.state.lastError);
    }
  }

  private setTools(tools: Tool[]): void {
    this.state.tools = tools;
    this.sdkOnlyTools = new Set(
      tools.filter((tool) => JSON.stringify(tool.inputSchema).includes('x-mcp-header')).map((tool) => tool.name),
    );
  }

  /**
   * On the 2026-07-28 revision list changes arrive on a subscriptions/listen stream. On a fresh
   * connect the SDK client opens it itself (ClientOptions.listChanged, when the server advertises
   * tools.listChanged); a reconnect from the cached discovery (`prior`) does not, so then it is
   * opened here. Exactly one stream either way: opening one unconditionally made two.
   */
  private async watchChangeSubscription(client: Client, log: Logger): Promise<void> {
    let subscription = client.autoOpenedSubscription;
    if (!subscription) {
      try {
        subscription = await client.listen({ toolsListChanged: true });
      } catch (error) {
        log.info(
          { err: errorMessage(error) },
          'upstream does not offer subscriptions/listen; tool changes are picked up on reconnect',
        );
        return;
      }
    }
    this.subscription = subscription;
    void subscription.closed.then((reason) => {
      if (reason === 'remote' && !this.closed && this.client === client) {
        log.warn('upstream change subscription dropped; reconnecting');
        this.handleDisconnect('subscription dropped');
      }
    });
  }

  private handleDisconnect(reason: string): void {
    if (!this.state.connected || this.closed) return;
    this.state.connected = false;
    this.state.lastError = reason;
    const client = this.client;
    this.client = null;
    void this.subscription?.close().catch(() => undefined);
    this.subscription = null;
    void client?.close().catch(() => undefined);
    this.options.logger.warn({ upstream: this.name, reason }, 'upstream disconnected');
    this.options.onConnectionChanged?.(this.name, false);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.closed) void this.ensureConnected().catch(() => undefined);
    }, delay);
    this.reconnectTimer.unref();
  }

  async callTool(tool: string, args: Record<string, unknown>, options: CallOptions): Promise<CallToolResult> {
    if (!this.state.connected || !this.client) {
      // One immediate attempt, so a call right after an upstream restart does not wait for the backoff timer.
      await this.ensureConnected().catch(() => undefined);
    }
    const client = this.client;
    if (!client || !this.state.connected) {
      throw new UpstreamUnavailableError(this.name, this.state.lastError ?? 'not connected');
    }
    if (this.direct && !this.sdkOnlyTools.has(tool)) return this.direct.call(tool, args, options, this.name);
    try {
      return await client.callTool(
        { name: tool, arguments: args },
        {
          signal: toAbortSignal(options.signal),
          timeout: options.timeoutMs,
          resetTimeoutOnProgress: true,
          maxTotalTimeout: options.maxTotalTimeoutMs,
          ...(options.onProgress ? { onprogress: options.onProgress } : {}),
        },
      );
    } catch (error) {
      throw this.classifyCallError(error, tool, options);
    }
  }

  private classifyCallError(error: unknown, tool: string, options: CallOptions): Error {
    const message = errorMessage(error);
    if (options.signal.aborted) return error instanceof Error ? error : new Error(message);
    if (/timed? ?out/i.test(message)) return new UpstreamTimeoutError(this.name, tool, options.timeoutMs);
    if (
      /ECONNREFUSED|fetch failed|connection closed|not connected|socket hang up|ECONNRESET|session not found/i.test(
        message,
      )
    ) {
      this.handleDisconnect(message);
      return new UpstreamUnavailableError(this.name, message);
    }
    return new UpstreamCallError(this.name, tool, message);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    await this.subscription?.close().catch(() => undefined);
    await this.client?.close().catch(() => undefined);
    this.client = null;
    this.direct?.close();
    this.direct = null;
    this.state.connected = false;
  }
}
