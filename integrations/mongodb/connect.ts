// Connects the official driver to MongoDB or FerretDB. Short server-selection timeouts make an
// unreachable store fail fast (and fail closed) instead of hanging calls for the driver's default 30 s.
import { MongoClient, type Db } from 'mongodb';

export interface MongoConnection {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

export class MongoUnavailableError extends Error {
  readonly code = 'MONGODB_UNAVAILABLE';
  constructor(uri: string, cause: string) {
    super(`Cannot reach MongoDB at ${redactUri(uri)}: ${cause}`);
    this.name = 'MongoUnavailableError';
  }
}

export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^@/]+)@/, '//[REDACTED]@');
}

export async function connectMongo(
  uri: string,
  database: string,
  options: { timeoutMs?: number } = {},
): Promise<MongoConnection> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    maxPoolSize: 20,
    appName: 'countersign',
  });
  try {
    await client.connect();
  } catch (error) {
    await client.close().catch(() => undefined);
    throw new MongoUnavailableError(uri, error instanceof Error ? error.message : String(error));
  }
  return { client, db: client.db(database), close: () => client.close() };
}
