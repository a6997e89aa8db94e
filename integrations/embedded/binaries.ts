// Where the embedded servers' binaries live. They are built once by scripts/build-servers.sh into a
// cache outside the work tree, keyed by version, so every checkout and test run reuses them.
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const TEMPORAL_VERSION = '1.5.1';
export const FERRETDB_VERSION = '1.24.2';

export type EmbeddedBinary = 'temporal' | 'ferretdb';

const VERSIONS: Record<EmbeddedBinary, string> = { temporal: TEMPORAL_VERSION, ferretdb: FERRETDB_VERSION };

/** Environment variables that point at a binary explicitly (e.g. one installed some other way). */
const OVERRIDE_ENV: Record<EmbeddedBinary, string> = {
  temporal: 'COUNTERSIGN_TEMPORAL_BIN',
  ferretdb: 'COUNTERSIGN_FERRETDB_BIN',
};

export class BinaryMissingError extends Error {
  readonly code = 'BINARY_MISSING';
  constructor(
    readonly binary: EmbeddedBinary,
    readonly path: string,
  ) {
    super(
      `${binary} ${VERSIONS[binary]} is not built: no executable at ${path}. ` +
        `Run \`npm run build:servers\` (needs the Go toolchain; the first build takes several minutes), ` +
        `or set ${OVERRIDE_ENV[binary]} to an existing binary.`,
    );
    this.name = 'BinaryMissingError';
  }
}

/** `${COUNTERSIGN_CACHE:-$HOME/.cache/countersign}`, the same rule as scripts/build-servers.sh. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.COUNTERSIGN_CACHE || join(homedir(), '.cache', 'countersign');
}

/** The path a binary is expected at, whether or not it exists. */
export function binaryPath(binary: EmbeddedBinary, env: NodeJS.ProcessEnv = process.env): string {
  return env[OVERRIDE_ENV[binary]] || join(cacheDir(env), 'bin', `${binary}-${VERSIONS[binary]}`);
}

/** The path of an executable binary; throws BinaryMissingError when it is absent or not executable. */
export function resolveBinary(binary: EmbeddedBinary, env: NodeJS.ProcessEnv = process.env): string {
  const path = binaryPath(binary, env);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new BinaryMissingError(binary, path);
  }
  return path;
}
