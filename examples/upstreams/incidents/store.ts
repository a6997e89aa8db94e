// File-backed incident store.
//
// The file is re-read on every operation and written with write-to-temp + rename, so a crash never leaves a torn
// file and several processes (a gateway may spawn more than one stdio child, and the client's era probe spawns a
// short-lived sibling) see each other's writes. I/O is synchronous on purpose: the file is a few kilobytes, and a
// synchronous read-modify-write cannot interleave with another tool call in this process.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { IncidentsFile } from './model.ts';

export class DataFileError extends Error {
  override readonly name = 'DataFileError';
  readonly code = 'DATA_FILE_INVALID';

  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`Incident data file ${file} is unusable: ${reason}`);
  }
}

export class IncidentStore {
  constructor(
    readonly file: string,
    private readonly seedFile: string,
  ) {}

  /** Creates the data file from the seed when it does not exist yet; an existing file is never overwritten. */
  ensureSeeded(): void {
    if (existsSync(this.file)) return;
    const seed = parse(this.seedFile, readFileSync(this.seedFile, 'utf8'));
    this.write(seed);
  }

  read(): IncidentsFile {
    this.ensureSeeded();
    return parse(this.file, readFileSync(this.file, 'utf8'));
  }

  /** Read-modify-write: `change` mutates the loaded data in place; the result is persisted before returning. */
  update<T>(change: (data: IncidentsFile) => T): T {
    const data = this.read();
    const result = change(data);
    this.write(data);
    return result;
  }

  private write(data: IncidentsFile): void {
    mkdirSync(dirname(this.file), { recursive: true });
    // A unique temp name per write: concurrent writers never share a temp file, and rename is atomic on POSIX.
    const temp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(temp, `${JSON.stringify(data, null, 2)}\n`);
    renameSync(temp, this.file);
  }
}

function parse(file: string, text: string): IncidentsFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DataFileError(file, `not valid JSON (${(error as Error).message})`);
  }
  const parsed = IncidentsFile.safeParse(json);
  if (!parsed.success) throw new DataFileError(file, z.prettifyError(parsed.error));
  return parsed.data;
}
