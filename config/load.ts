// Loads countersign.yaml and the environment, and turns every validation failure into one
// error that names the field, the value found and what was expected.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { configFileSchema, envSchema, type ConfigFile, type EnvConfig } from './schema.ts';

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`Invalid configuration in ${source}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadedConfig {
  file: ConfigFile;
  env: EnvConfig;
  /** Absolute path of the config file, for resolving relative paths in it. */
  configPath: string;
  baseDir: string;
}

function valueAt(input: unknown, pathParts: PropertyKey[]): unknown {
  let current: unknown = input;
  for (const part of pathParts) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function formatIssues(error: z.ZodError, input: unknown, prefix = ''): string[] {
  return error.issues.map((issue) => {
    const field = prefix + (issue.path.length ? issue.path.map(String).join('.') : '(root)');
    const found = describeValue(valueAt(input, issue.path));
    return `${field}: ${issue.message} (found ${found})`;
  });
}

export function parseConfigText(text: string, source: string): ConfigFile {
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      source,
      document.errors.map((error) => `YAML syntax: ${error.message}`),
    );
  }
  const raw: unknown = document.toJS() ?? {};
  const result = configFileSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(source, formatIssues(result.error, raw));
  return result.data;
}

export function parseEnv(env: NodeJS.ProcessEnv): EnvConfig {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    // Environment values may be secrets: name the variable, never echo the value.
    throw new ConfigError(
      'the environment',
      result.error.issues.map((issue) => `${issue.path.map(String).join('.')}: ${issue.message}`),
    );
  }
  return result.data;
}

export async function loadConfig(configPath: string, env: NodeJS.ProcessEnv = process.env): Promise<LoadedConfig> {
  const absolute = path.resolve(configPath);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(error);
    throw new ConfigError(absolute, [`cannot read the config file: ${reason} (set --config or COUNTERSIGN_CONFIG)`]);
  }
  return {
    file: parseConfigText(text, absolute),
    env: parseEnv(env),
    configPath: absolute,
    baseDir: path.dirname(absolute),
  };
}
