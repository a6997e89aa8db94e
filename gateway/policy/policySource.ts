// Reads a policy folder into named policies: `schema.cedarschema` plus every `*.cedar` file.
// Each policy is named by its @id("…") annotation, or `<file-stem>.<index>` (0-based, in file
// order) without one; the name is what decisions, audit records and error messages show.
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { policyToJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { DetailedError, PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { PolicyProblem } from './policyLoadError.ts';
import { lineAndColumn, splitPolicies, utf16Offset } from './policySplitter.ts';

export const SCHEMA_FILE = 'schema.cedarschema';
export const POLICY_EXTENSION = '.cedar';

export interface SourcePolicy {
  id: string;
  text: string;
  file: string;
  /** Offset of `text` within the file's source. */
  offset: number;
  /** The @reason("…") annotation, if any: the sentence decisions quote. */
  reason: string | undefined;
  /** Cedar's JSON form of the policy (what policyFootprint walks). */
  json: PolicyJson;
}

export interface PolicySource {
  dir: string;
  schemaFile: string;
  schemaText: string;
  policies: SourcePolicy[];
  /** File path → full text, to turn Cedar's offsets into line:column. */
  fileTexts: Map<string, string>;
  /** 'sha256:<hex>' over the policies sorted by id (id and text of each) and the schema. */
  hash: string;
  /** Problems found while reading and parsing; validation comes later. */
  problems: PolicyProblem[];
}

export async function readPolicySource(dir: string): Promise<PolicySource> {
  const problems: PolicyProblem[] = [];
  const fileTexts = new Map<string, string>();
  const schemaFile = join(dir, SCHEMA_FILE);
  let names: string[] = [];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith(POLICY_EXTENSION) && !name.startsWith('.')).sort();
  } catch (error) {
    problems.push({ file: dir, message: `cannot read the policy folder: ${(error as Error).message}` });
  }
  let schemaText = '';
  try {
    schemaText = await readFile(schemaFile, 'utf8');
    fileTexts.set(schemaFile, schemaText);
  } catch (error) {
    problems.push({ file: schemaFile, message: `cannot read the Cedar schema: ${(error as Error).message}` });
  }

  const policies: SourcePolicy[] = [];
  const firstFileOfId = new Map<string, string>();
  for (const name of names) {
    const file = join(dir, name);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      problems.push({ file, message: `cannot read the policy file: ${(error as Error).message}` });
      continue;
    }
    fileTexts.set(file, text);
    splitPolicies(text).forEach((chunk, index) => {
      const parsed = policyToJson(chunk.text);
      const fallbackId = `${basename(name, POLICY_EXTENSION)}.${index}`;
      if (parsed.type === 'failure') {
        problems.push(...parsed.errors.map((error) => cedarProblem(file, text, chunk, fallbackId, error)));
        return;
      }
      const annotations = parsed.json.annotations ?? {};
      const id = annotations['id'] ?? fallbackId;
      const earlier = firstFileOfId.get(id);
      if (earlier !== undefined) {
        problems.push({
          file,
          policyId: id,
          ...lineAndColumn(text, chunk.offset),
          message: `duplicate policy id (also in ${earlier})`,
        });
        return;
      }
      firstFileOfId.set(id, file);
      policies.push({
        id,
        text: chunk.text,
        file,
        offset: chunk.offset,
        reason: annotations['reason'],
        json: parsed.json,
      });
    });
  }
  if (problems.length === 0 && policies.length === 0) {
    problems.push({
      file: dir,
      message: `no policies: add ${POLICY_EXTENSION} files (without any, every call is denied)`,
    });
  }
  return { dir, schemaFile, schemaText, policies, fileTexts, hash: hashPolicySet(policies, schemaText), problems };
}

export function hashPolicySet(policies: readonly SourcePolicy[], schemaText: string): string {
  const hash = createHash('sha256');
  for (const policy of [...policies].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    hash.update(`policy ${JSON.stringify(policy.id)}\n${policy.text}\n`);
  }
  hash.update(`schema\n${schemaText}`);
  return `sha256:${hash.digest('hex')}`;
}

/** A Cedar error about `chunk` (a policy of `file`), positioned in the file. */
export function cedarProblem(
  file: string,
  fileText: string,
  chunk: { text: string; offset: number },
  policyId: string | undefined,
  error: DetailedError,
): PolicyProblem {
  const location = error.sourceLocations?.[0];
  const position =
    location === undefined
      ? undefined
      : lineAndColumn(fileText, chunk.offset + utf16Offset(chunk.text, location.start));
  return {
    file,
    ...(policyId === undefined ? {} : { policyId }),
    ...position,
    message: cedarMessage(error),
  };
}

/** Cedar's message with its label and help, e.g. "…attribute `tierx` not found (did you mean `tier`?)". */
export function cedarMessage(error: DetailedError): string {
  const label = error.sourceLocations?.find((location) => location.label)?.label;
  const details = [label, error.help].filter((part): part is string => typeof part === 'string' && part.length > 0);
  const related = (error.related ?? []).map((inner) => cedarMessage(inner));
  return [error.message + (details.length > 0 ? ` (${details.join('; ')})` : ''), ...related].join('; ');
}
