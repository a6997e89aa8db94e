// Where the incidents server finds its files, resolved from this module so the working directory does not matter.
import { fileURLToPath } from 'node:url';

export const SEED_FILE = fileURLToPath(new URL('./seed.json', import.meta.url));
export const SERVER_ENTRY = fileURLToPath(new URL('./server.ts', import.meta.url));
/** Used when INCIDENTS_DATA_FILE is unset: the repository's git-ignored `.data/` folder. */
export const DEFAULT_DATA_FILE = fileURLToPath(new URL('../../../.data/incidents.json', import.meta.url));
