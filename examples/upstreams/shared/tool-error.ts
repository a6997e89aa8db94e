// Domain failures a tool reports as an `isError: true` result (not a JSON-RPC error), so an agent can read the
// code and correct itself. Each server subclasses it only where a distinct type helps callers.
export type ToolErrorCode = 'INVALID_ARGUMENTS' | 'NOT_FOUND' | 'CONFLICT';

export class ToolError extends Error {
  override readonly name: string = 'ToolError';

  constructor(
    readonly code: ToolErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export class NotFoundError extends ToolError {
  override readonly name = 'NotFoundError';

  constructor(kind: string, id: string) {
    super('NOT_FOUND', `${kind} ${JSON.stringify(id)} does not exist`);
  }
}

export class ConflictError extends ToolError {
  override readonly name = 'ConflictError';

  constructor(message: string) {
    super('CONFLICT', message);
  }
}
