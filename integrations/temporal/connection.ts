// Connections to Temporal for the gateway (Client over @grpc/grpc-js) and the worker
// (NativeConnection from the Rust core). Failures become one typed error that names the address.
import { Client, Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';

/** The one task queue Countersign's workflows and activities run on. */
export const TASK_QUEUE = 'countersign';

export interface TemporalTarget {
  /** host:port of the frontend, e.g. 127.0.0.1:7233 (TEMPORAL_ADDRESS). */
  address: string;
  /** TEMPORAL_NAMESPACE, usually "default". */
  namespace: string;
  /** How long to wait for the frontend before giving up (default 10 s). */
  connectTimeoutMs?: number;
}

export class TemporalUnavailableError extends Error {
  readonly code = 'TEMPORAL_UNAVAILABLE';
  constructor(
    readonly address: string,
    readonly namespace: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Temporal at ${address} (namespace "${namespace}") is unavailable: ${reason}. Check TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE, and that the server is running.`,
      options,
    );
    this.name = 'TemporalUnavailableError';
  }
}

export interface TemporalClientConnection {
  client: Client;
  connection: Connection;
  close(): Promise<void>;
}

/** Connects a Client and checks the namespace exists, so misconfiguration fails at start-up. */
export async function connectClient(target: TemporalTarget): Promise<TemporalClientConnection> {
  const connectTimeout = target.connectTimeoutMs ?? 10_000;
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: target.address, connectTimeout });
  } catch (error) {
    throw new TemporalUnavailableError(target.address, target.namespace, `cannot connect (${messageOf(error)})`, {
      cause: error,
    });
  }
  try {
    await connection.withDeadline(Date.now() + connectTimeout, () =>
      connection.workflowService.describeNamespace({ namespace: target.namespace }),
    );
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw new TemporalUnavailableError(
      target.address,
      target.namespace,
      `namespace check failed (${messageOf(error)})`,
      { cause: error },
    );
  }
  const client = new Client({ connection, namespace: target.namespace });
  return { client, connection, close: () => connection.close() };
}

/**
 * The worker's connection. @temporalio/worker (native core, bundler) is loaded only here, so
 * gateway processes that just start workflows never load it.
 */
export async function connectNativeConnection(target: TemporalTarget): Promise<NativeConnection> {
  const { NativeConnection } = await import('@temporalio/worker');
  const timeoutMs = target.connectTimeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  const connecting = NativeConnection.connect({ address: target.address });
  try {
    return await Promise.race([connecting, timedOut]);
  } catch (error) {
    // A connection that completes after we gave up must not leak.
    connecting.then((late) => late.close()).catch(() => undefined);
    throw new TemporalUnavailableError(target.address, target.namespace, `cannot connect (${messageOf(error)})`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
