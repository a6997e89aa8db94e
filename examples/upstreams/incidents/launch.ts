// How a parent (gateway config, demo, tests, benchmarks) starts the incidents server as a stdio child.
import { getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import { SERVER_ENTRY } from './paths.ts';

export interface IncidentsLaunch {
  command: string;
  args: string[];
  /** Complete environment for the child: a `StdioClientTransport` given `env` passes exactly that, nothing more. */
  env: Record<string, string>;
}

/** The command line for a stdio transport (`new StdioClientTransport({ ...incidentsLaunch({ dataFile }) })`). */
export function incidentsLaunch(options: { dataFile: string }): IncidentsLaunch {
  return {
    command: process.execPath,
    // tsx resolved from here, not from the child's working directory, so any `cwd` works.
    args: ['--import', import.meta.resolve('tsx'), SERVER_ENTRY],
    env: { ...getDefaultEnvironment(), INCIDENTS_DATA_FILE: options.dataFile },
  };
}
