// Bounds on tool arguments, checked before anything else touches them. The HTTP layer caps the
// whole body; this caps what one call may carry and how deeply it may nest (deep nesting is a
// cheap way to blow up recursive code downstream: hashing, redaction, upstream parsers).
import { ArgumentsInvalidError, ArgumentsTooDeepError, ArgumentsTooLargeError } from '../errors.ts';

export interface ArgumentLimits {
  maxArgumentBytes: number;
  maxArgumentDepth: number;
}

export interface CheckedArguments {
  args: Record<string, unknown>;
  sizeBytes: number;
}

export function checkArguments(args: unknown, limits: ArgumentLimits): CheckedArguments {
  if (args === undefined || args === null) return { args: {}, sizeBytes: 2 };
  if (typeof args !== 'object' || Array.isArray(args)) {
    throw new ArgumentsInvalidError('arguments must be a JSON object');
  }
  if (depthExceeds(args, limits.maxArgumentDepth)) throw new ArgumentsTooDeepError(limits.maxArgumentDepth);
  const size = Buffer.byteLength(JSON.stringify(args));
  if (size > limits.maxArgumentBytes) throw new ArgumentsTooLargeError(size, limits.maxArgumentBytes);
  return { args: args as Record<string, unknown>, sizeBytes: size };
}

/** Iterative, so a hostile 100k-deep structure cannot overflow our own stack while we measure it. */
function depthExceeds(root: object, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (depth > limit) return true;
    if (value !== null && typeof value === 'object') {
      for (const child of Object.values(value)) {
        if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
      }
    }
  }
  return false;
}
