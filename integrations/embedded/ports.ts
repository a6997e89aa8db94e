// Port checks before starting an embedded server, so a clash is reported as "port N is taken, here
// is how to pick another" instead of a child process dying with a bind error in its log.
import { connect, createServer } from 'node:net';

export const LOCALHOST = '127.0.0.1';

export class PortInUseError extends Error {
  readonly code = 'PORT_IN_USE';
  constructor(
    readonly port: number,
    readonly service: string,
    readonly hint: string,
    readonly host: string = LOCALHOST,
  ) {
    super(`${service} needs ${host}:${port}, but that port is already in use. ${hint}`);
    this.name = 'PortInUseError';
  }
}

/** True when nothing listens on host:port (checked by binding it briefly). */
export function isPortFree(port: number, host: string = LOCALHOST): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE' || error.code === 'EACCES') resolve(false);
      else reject(error);
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export interface PortRequest {
  /** Which service wants the port, e.g. "Temporal dev server (gRPC frontend)". */
  service: string;
  /** How to choose another port, e.g. "Pass --temporal-port <n> or stop the other process." */
  hint?: string;
  host?: string;
}

/** Throws PortInUseError naming the port, the service that wanted it and how to change it. */
export async function assertPortFree(port: number, request: PortRequest): Promise<void> {
  const host = request.host ?? LOCALHOST;
  if (!(await isPortFree(port, host))) {
    throw new PortInUseError(
      port,
      request.service,
      request.hint ?? 'Stop the process using it or choose another port.',
      host,
    );
  }
}

/** A port the OS considers free right now (bind to 0, read it back, release it). */
export function freePort(host: string = LOCALHOST): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host }, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}

/** Resolves once something accepts TCP connections on host:port; cheap readiness pre-check. */
export function canConnect(port: number, host: string = LOCALHOST, timeoutMs = 500): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
