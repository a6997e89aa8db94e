// `countersign demo`: a scripted agent on the official MCP SDK client. It connects to the gateway
// the way an IDE would, lists the tools and makes a few calls, so a newcomer sees governance work
// before configuring a real agent.
import { Client, StreamableHTTPClientTransport, type CallToolResult } from '@modelcontextprotocol/client';
import type { Command } from 'commander';
import { grantConsent } from '../grantConsent.ts';

interface DemoFlags {
  url: string;
  protocol: 'auto' | '2026-07-28';
  token?: string;
  dataDir: string;
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
  let token = flags.token;
  if (!token) {
    const granted = await grantConsent({
      gatewayUrl: new URL(flags.url).origin,
      human: 'alice@example.com',
      groups: ['sre'],
      agent: 'countersign-demo-agent',
      tools: ['incidents.*', 'deployments.*'],
      maxTier: 'write',
      ttlSeconds: 900,
      reason: 'countersign demo: triage and deploy',
      dataDir: flags.dataDir,
    });
    token = granted.token;
    print(
      `alice@example.com granted consent ${granted.consentId} to countersign-demo-agent for incidents.*, deployments.* (writes without approval in business hours)`,
    );
  }
  const client = new Client(
    { name: 'countersign-demo-agent', version: '0.1.0' },
    { versionNegotiation: { mode: flags.protocol === 'auto' ? 'auto' : { pin: flags.protocol } } },
  );
  await client.connect(
    new StreamableHTTPClientTransport(new URL(flags.url), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  print(`connected to ${flags.url} (MCP ${client.getNegotiatedProtocolVersion() ?? 'unknown'})`);
  const { tools } = await client.listTools();
  print(`${tools.length} tools:`);
  for (const tool of tools)
    print(
      `  ${tool.name} [${typeof tool._meta?.['countersign/tier'] === 'string' ? tool._meta['countersign/tier'] : '?'}]`,
    );

  const calls: Array<{ name: string; arguments: Record<string, unknown>; progress?: boolean }> = [
    { name: 'incidents.search_incidents', arguments: { query: 'database' } },
    { name: 'deployments.list_deployments', arguments: {} },
    {
      name: 'deployments.deploy',
      arguments: { service: 'checkout-api', version: '2.15.0', environment: 'staging' },
      progress: true,
    },
    { name: 'incidents.delete_incident', arguments: { id: 'INC-1041' } },
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
    .option('--token <token>', 'an agent-session token (default: grant a demo consent with the dev IdP)')
    .option('--data-dir <dir>', 'data directory of countersign dev (dev IdP key)', '.data')
    .action(async (flags: DemoFlags) => {
      await runDemo(flags);
    });
}
