// `countersign demo`: a scripted agent on the official MCP SDK client. It connects to the gateway
// the way an IDE would, lists the tools and makes a few calls, so a newcomer sees governance work
// before configuring a real agent.
import { Client, StreamableHTTPClientTransport, type CallToolResult } from '@modelcontextprotocol/client';
import type { Command } from 'commander';

interface DemoFlags {
  url: string;
  protocol: 'auto' | '2026-07-28';
}

function summarise(result: CallToolResult): string {
  const text = result.content
    .map((block) => (block.type === 'text' ? block.text : `[${block.type}]`))
    .join(' ')
    .replace(/\s+/g, ' ');
  return `${result.isError ? 'ERROR ' : ''}${text.length > 160 ? `${text.slice(0, 157)}...` : text}`;
}

export async function runDemo(
  flags: DemoFlags,
  print: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Promise<void> {
  const client = new Client(
    { name: 'countersign-demo-agent', version: '0.1.0' },
    { versionNegotiation: { mode: flags.protocol === 'auto' ? 'auto' : { pin: flags.protocol } } },
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(flags.url)));
  print(`connected to ${flags.url} (MCP ${client.getNegotiatedProtocolVersion() ?? 'unknown'})`);
  const { tools } = await client.listTools();
  print(`${tools.length} tools:`);
  for (const tool of tools)
    print(
      `  ${tool.name}${tool.annotations?.destructiveHint ? ' (destructive)' : tool.annotations?.readOnlyHint ? ' (read-only)' : ''}`,
    );

  const calls: Array<{ name: string; arguments: Record<string, unknown>; progress?: boolean }> = [
    { name: 'incidents.search_incidents', arguments: { query: 'database' } },
    { name: 'deployments.list_deployments', arguments: {} },
    {
      name: 'deployments.deploy',
      arguments: { service: 'checkout-api', version: '2.15.0', environment: 'staging' },
      progress: true,
    },
    { name: 'incidents.no_such_tool', arguments: {} },
  ];
  for (const call of calls) {
    if (!tools.some((tool) => tool.name === call.name) && !call.name.endsWith('no_such_tool')) continue;
    print(`\n> ${call.name} ${JSON.stringify(call.arguments)}`);
    try {
      const result = await client.callTool(
        { name: call.name, arguments: call.arguments },
        call.progress
          ? { onprogress: (p) => print(`  progress ${p.progress}/${p.total ?? '?'} ${p.message ?? ''}`) }
          : {},
      );
      print(`  ${summarise(result)}`);
    } catch (error) {
      print(`  refused: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  print('\nEvery call above has an audit record: run `countersign audit tail --no-follow` to see them.');
  await client.close();
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run a scripted agent against the gateway')
    .option('--url <url>', 'gateway MCP endpoint', 'http://127.0.0.1:7410/mcp')
    .option('--protocol <revision>', "'auto' or '2026-07-28'", 'auto')
    .action(async (flags: DemoFlags) => {
      await runDemo(flags);
    });
}
