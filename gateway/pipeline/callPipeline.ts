// A tools/call's path through the gateway: limits → catalog → decision → durable audit record →
// forward (progress and cancellation relayed) → outcome appended → listeners (guardians, later).
// Every stage that refuses produces a result the agent's model can act on.
import type { CallToolResult } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import type { AuditWriter } from '../../audit/auditStore.ts';
import { newAuditId, type AuditDecisionRecord, type Outcome } from '../../audit/record.ts';
import { redactArguments } from '../../audit/redact.ts';
import type { GatewayMetrics } from '../../observability/metrics.ts';
import { canonicalHash } from '../canonicalJson.ts';
import { CallCancelledError, GatewayError, ToolBlockedError, UnknownToolError, errorMessage } from '../errors.ts';
import type { UpstreamPool } from '../upstreams/upstreamPool.ts';
import { checkArguments, type ArgumentLimits } from './argumentLimits.ts';
import type { CancelSignal } from './callCancellation.ts';
import { checkPinned } from '../consent/pinning.ts';
import type { ConsentRecord } from '../consent/records.ts';
import type { CallDecider, Principal } from './decision.ts';
import { errorResult, refusalResult } from './results.ts';

/** Bound metric children kept per label set (unknown tool names are truncated, so this stays small). */
const MAX_METRIC_SERIES = 10_000;

export interface ToolCallRequest {
  name: string;
  arguments: unknown;
  principal: Principal;
  /** The caller's live consent (already checked: not revoked, not expired, session not paused). */
  consent: ConsentRecord;
  protocolVersion: string | null;
  signal: CancelSignal;
  /** Relays upstream progress to the agent on its own request stream; absent if it sent no progress token. */
  sendProgress?: (progress: { progress: number; total?: number; message?: string }) => Promise<void>;
  logger: Logger;
}

export interface CallCompletedEvent {
  record: AuditDecisionRecord;
  outcome: Outcome;
  durationMs: number;
}

export interface CallPipelineOptions {
  pool: UpstreamPool;
  audit: AuditWriter;
  decider: CallDecider;
  limits: ArgumentLimits;
  callTimeoutMs: number;
  maxTotalCallTimeoutMs: number;
  redactKeys: readonly string[];
  gatewayInstance: string;
  metrics?: GatewayMetrics;
}

/** Made only when something is logged: a child logger per call costs more than most of a call's stages. */
function callLogger(request: ToolCallRequest, record: AuditDecisionRecord): Logger {
  return request.logger.child({ auditId: record._id, tool: record.tool });
}

export class CallPipeline {
  private readonly completedListeners = new Set<(event: CallCompletedEvent) => void>();
  private readonly series = new Map<string, { calls: { inc(): void }; latency: { observe(value: number): void } }>();

  constructor(private readonly options: CallPipelineOptions) {}

  /** Guardians subscribe here (audit stream of completed and refused calls). */
  onCallCompleted(listener: (event: CallCompletedEvent) => void): () => void {
    this.completedListeners.add(listener);
    return () => this.completedListeners.delete(listener);
  }

  /** Throws UnknownToolError (a protocol error per MCP); every other failure is a tool result. */
  async handle(request: ToolCallRequest): Promise<CallToolResult> {
    const started = performance.now();
    const entry = this.options.pool.catalog.get(request.name);
    const pin = checkPinned(request.consent, request.name, entry, this.options.pool.instructionHashes());
    if (!pin.ok && pin.code === 'TOOL_NOT_CONSENTED' && !entry) {
      const error = new UnknownToolError(request.name);
      request.logger.info({ tool: request.name }, 'unknown tool');
      // Probing for tools is worth a record too; the name is truncated so junk cannot bloat the trail.
      this.refuse(request, request.name.slice(0, 200), 'unknown', request.name.slice(0, 200), error, started);
      throw error;
    }
    const upstream = entry?.upstream ?? (pin.ok ? pin.pinned.upstream : 'unknown');
    const upstreamTool = entry?.upstreamTool ?? (pin.ok ? pin.pinned.upstreamTool : request.name);

    let args: Record<string, unknown>;
    let argumentsSizeBytes: number;
    try {
      ({ args, sizeBytes: argumentsSizeBytes } = checkArguments(request.arguments, this.options.limits));
    } catch (error) {
      return this.refuse(request, request.name, upstream, upstreamTool, error as GatewayError, started);
    }
    if (entry?.blockedReason) {
      // Blocked (e.g. two upstreams export its name): say why, whether or not the consent pinned it.
      return this.refuse(
        request,
        entry.name,
        entry.upstream,
        entry.upstreamTool,
        new ToolBlockedError(entry.name, entry.blockedReason),
        started,
        args,
      );
    }
    if (!pin.ok) {
      const error = new GatewayError(pin.code, pin.message, { tool: request.name });
      return this.refuse(request, request.name, upstream, upstreamTool, error, started, args);
    }
    if (!entry) {
      const error = new ToolBlockedError(request.name, `upstream '${upstream}' no longer offers it`);
      return this.refuse(request, request.name, upstream, upstreamTool, error, started, args);
    }

    const argumentsHash = canonicalHash(args);
    const verdict = this.options.decider.decide({
      principal: request.principal,
      consent: request.consent,
      pinned: pin.pinned,
      tool: entry,
      arguments: args,
      argumentsSizeBytes,
      argumentsHash,
      now: new Date(),
    });
    const record: AuditDecisionRecord = {
      _id: newAuditId(),
      time: new Date(),
      ...request.principal,
      upstream: entry.upstream,
      tool: entry.name,
      upstreamTool: entry.upstreamTool,
      toolDefinitionHash: entry.definitionHash,
      tier: verdict.tier ?? pin.pinned.tier,
      argumentsHash,
      arguments: redactArguments(args, this.options.redactKeys),
      decision: verdict.decision,
      decisionReason: verdict.reason,
      policyIds: verdict.policyIds,
      policySetHash: verdict.policySetHash,
      approvalId: null,
      protocolVersion: request.protocolVersion,
      gatewayInstance: this.options.gatewayInstance,
      outcome: null,
      durationMs: null,
      error: null,
      completedAt: null,
    };

    // The record is durable before anything is forwarded; if it cannot be, nothing is.
    try {
      await this.options.audit.recordDecision(record);
    } catch (error) {
      const gatewayError =
        error instanceof GatewayError ? error : new GatewayError('AUDIT_UNAVAILABLE', errorMessage(error));
      callLogger(request, record).error({ err: gatewayError.message }, 'call refused: audit record not durable');
      this.count(entry.upstream, entry.name, 'refused', gatewayError.code, started);
      return errorResult(gatewayError);
    }

    if (verdict.decision !== 'allow') {
      const durationMs = performance.now() - started;
      this.finish(record, 'not-forwarded', durationMs, null);
      this.count(entry.upstream, entry.name, verdict.decision, 'not-forwarded', started);
      return refusalResult(entry.name, verdict);
    }

    // Progress is relayed in order, and all of it before the result, so the agent never sees a
    // progress notification for a request that has already answered.
    let progressRelay: Promise<void> = Promise.resolve();
    const sendProgress = request.sendProgress;
    try {
      const result = await this.options.pool.get(entry.upstream)!.callTool(entry.upstreamTool, args, {
        signal: request.signal,
        timeoutMs: this.options.callTimeoutMs,
        maxTotalTimeoutMs: this.options.maxTotalCallTimeoutMs,
        ...(sendProgress
          ? {
              onProgress: (progress) => {
                progressRelay = progressRelay.then(() => sendProgress(progress)).catch(() => undefined);
              },
            }
          : {}),
      });
      await progressRelay;
      const outcome: Outcome = result.isError ? 'tool-error' : 'ok';
      this.finish(record, outcome, performance.now() - started, null);
      this.count(entry.upstream, entry.name, 'allow', outcome, started);
      return result;
    } catch (error) {
      const gatewayError = request.signal.aborted
        ? new CallCancelledError(entry.name)
        : error instanceof GatewayError
          ? error
          : new GatewayError('UPSTREAM_ERROR', errorMessage(error));
      const outcome: Outcome =
        gatewayError.code === 'CALL_CANCELLED'
          ? 'cancelled'
          : gatewayError.code === 'UPSTREAM_TIMEOUT'
            ? 'timeout'
            : 'error';
      callLogger(request, record).warn({ err: gatewayError.message, code: gatewayError.code }, 'forwarded call failed');
      this.finish(record, outcome, performance.now() - started, {
        code: gatewayError.code,
        message: gatewayError.message,
      });
      this.count(entry.upstream, entry.name, 'allow', outcome, started);
      return errorResult(gatewayError);
    }
  }

  /** A call refused before a decision (limits, blocked tool). Audited best-effort: nothing is forwarded either way. */
  private refuse(
    request: ToolCallRequest,
    tool: string,
    upstream: string,
    upstreamTool: string,
    error: GatewayError,
    started: number,
    args: Record<string, unknown> = {},
  ): CallToolResult {
    const record: AuditDecisionRecord = {
      _id: newAuditId(),
      time: new Date(),
      ...request.principal,
      upstream,
      tool,
      upstreamTool,
      toolDefinitionHash: null,
      tier: null,
      argumentsHash: error.code.startsWith('ARGUMENTS_') ? 'unhashed:rejected-arguments' : canonicalHash(args),
      arguments: error.code.startsWith('ARGUMENTS_')
        ? '[NOT STORED: rejected arguments]'
        : redactArguments(args, this.options.redactKeys),
      decision: 'refused',
      decisionReason: error.message,
      policyIds: [],
      policySetHash: null,
      approvalId: null,
      protocolVersion: request.protocolVersion,
      gatewayInstance: this.options.gatewayInstance,
      outcome: 'not-forwarded',
      durationMs: performance.now() - started,
      error: { code: error.code, message: error.message },
      completedAt: new Date(),
    };
    this.options.audit.recordDecision(record).catch((auditError: unknown) => {
      request.logger.warn({ err: errorMessage(auditError) }, 'could not audit a refused call');
    });
    this.count(upstream, upstream === 'unknown' ? 'unknown' : tool, 'refused', error.code, started);
    this.emit(record, 'not-forwarded', record.durationMs ?? 0);
    return errorResult(error);
  }

  private finish(
    record: AuditDecisionRecord,
    outcome: Outcome,
    durationMs: number,
    error: { code: string; message: string } | null,
  ): void {
    this.options.audit.recordOutcome(record._id, { outcome, durationMs, error });
    this.emit(record, outcome, durationMs);
  }

  private emit(record: AuditDecisionRecord, outcome: Outcome, durationMs: number): void {
    for (const listener of this.completedListeners) listener({ record, outcome, durationMs });
  }

  private count(upstream: string, tool: string, decision: string, outcome: string, started: number): void {
    const metrics = this.options.metrics;
    if (!metrics) return;
    // prom-client hashes the label set on every inc/observe; the bound children are kept instead.
    const key = `${upstream}\u0000${tool}\u0000${decision}\u0000${outcome}`;
    let series = this.series.get(key);
    if (!series) {
      if (this.series.size >= MAX_METRIC_SERIES) this.series.clear();
      series = {
        calls: metrics.calls.labels(upstream, tool, decision, outcome),
        latency: metrics.callLatency.labels(upstream, decision),
      };
      this.series.set(key, series);
    }
    series.calls.inc();
    series.latency.observe((performance.now() - started) / 1000);
  }
}
