// Consent and session administration: `token issue` (the dev/admin path to a consent and an
// agent-session token, through the running gateway's POST /consents), `consent list|revoke` and
// `sessions list|pause|resume` (straight against the store; every replica sees a change within 1 s).
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { ConsentStore } from '../../gateway/consent/consentStore.ts';
import { connectMongo } from '../../integrations/mongodb/connect.ts';
import { resolveConfigPath } from '../configPath.ts';
import { grantConsent } from '../grantConsent.ts';
import { parseDurationSeconds } from '../duration.ts';

const operator = () => `cli:${process.env['USER'] ?? 'operator'}`;

async function withStore<T>(configFlag: string | undefined, run: (store: ConsentStore) => Promise<T>): Promise<T> {
  const loaded = await loadConfig(resolveConfigPath(configFlag));
  const mongo = await connectMongo(loaded.env.MONGODB_URI, loaded.file.audit.database);
  try {
    return await run(new ConsentStore(mongo.db));
  } finally {
    await mongo.close();
  }
}

const print = (line: string) => process.stdout.write(`${line}\n`);

export function registerConsentCommands(program: Command): void {
  program
    .command('token')
    .description('agent-session tokens')
    .command('issue')
    .description(
      'grant consent for an agent and print its agent-session token (uses the dev IdP unless --id-token is given)',
    )
    .requiredOption('--human <id>', 'the human granting consent (dev IdP subject)')
    .requiredOption('--agent <id>', 'the agent client id, e.g. claude-code')
    .requiredOption(
      '--tools <patterns>',
      "comma-separated tool patterns, e.g. 'incidents.*,deployments.list_deployments'",
    )
    .requiredOption('--ttl <duration>', 'how long the consent lasts, e.g. 8h')
    .requiredOption('--reason <text>', 'why the agent needs this access')
    .option('--ticket <id>', 'ticket reference')
    .option('--max-tier <tier>', 'highest tier allowed without approval: read, write or destructive', 'read')
    .option('--groups <groups>', 'comma-separated IdP groups for the dev IdP token', '')
    .option('--gateway <url>', 'gateway base URL', 'http://127.0.0.1:7410')
    .option('--id-token <jwt>', "the human's IdP token (production); default: mint one with the dev IdP")
    .option('--data-dir <dir>', 'data directory of countersign dev (dev IdP key)', '.data')
    .option('--json', 'print the whole response as JSON')
    .action(async (flags: Record<string, string | boolean | undefined>) => {
      const body = await grantConsent({
        gatewayUrl: flags['gateway'] as string,
        human: flags['human'] as string,
        groups: (flags['groups'] as string).split(',').filter(Boolean),
        agent: flags['agent'] as string,
        tools: (flags['tools'] as string)
          .split(',')
          .map((tool) => tool.trim())
          .filter(Boolean),
        maxTier: flags['maxTier'] as string,
        ttlSeconds: parseDurationSeconds(flags['ttl'] as string),
        reason: flags['reason'] as string,
        dataDir: flags['dataDir'] as string,
        ...(flags['ticket'] ? { ticket: flags['ticket'] as string } : {}),
        ...(flags['idToken'] ? { idToken: flags['idToken'] as string } : {}),
      });
      if (flags['json']) {
        print(JSON.stringify(body, null, 2));
        return;
      }
      print(`consent ${body.consentId}  session ${body.sessionId}  expires ${body.expiresAt}`);
      print(`tools: ${body.tools.map((tool) => `${tool.name} (${tool.tier})`).join(', ')}`);
      print('\nagent-session token:');
      print(body.token);
      print("\nMCP client config (e.g. .mcp.json for Claude Code, or your IDE's MCP settings):");
      print(JSON.stringify(body.mcpClientConfig, null, 2));
      print(
        `\nor: claude mcp add --transport http countersign ${body.mcpUrl} --header "Authorization: Bearer ${body.token}"`,
      );
    });

  const consent = program.command('consent').description('consents humans have granted');
  consent
    .command('list')
    .option('-c, --config <path>', 'config file')
    .option('--human <id>', 'only this human')
    .option('--active', 'only consents still in force')
    .action(async (flags: { config?: string; human?: string; active?: boolean }) =>
      withStore(flags.config, async (store) => {
        const consents = await store.listConsents({
          ...(flags.human ? { human: flags.human } : {}),
          activeOnly: flags.active ?? false,
        });
        for (const record of consents) {
          const state = record.revokedAt
            ? `revoked ${record.revokedAt.toISOString()} by ${record.revokedBy ?? '?'}`
            : record.expiresAt <= new Date()
              ? 'expired'
              : `until ${record.expiresAt.toISOString()}`;
          print(
            `${record._id}  ${record.human} -> ${record.agent}  [${record.toolPatterns.join(', ')}] max ${record.maxTier}  ${state}  "${record.reason}"`,
          );
        }
        if (consents.length === 0) print('no consents');
      }),
    );
  consent
    .command('revoke')
    .description('revoke a consent (and its sessions), or with --human everything a human granted')
    .argument('[consentId]')
    .option('-c, --config <path>', 'config file')
    .option('--human <id>', 'revoke every consent and session of this human')
    .option('--reason <text>', 'why', 'revoked by operator')
    .action(async (consentId: string | undefined, flags: { config?: string; human?: string; reason: string }) =>
      withStore(flags.config, async (store) => {
        if (!consentId && !flags.human) throw new Error('name a consent id or --human');
        const result = flags.human
          ? await store.revokeHuman(flags.human, operator(), flags.reason)
          : await store.revokeConsent(consentId!, operator(), flags.reason);
        print(
          `revoked ${result.consents} consent(s) and ${result.sessions} session(s); every gateway replica refuses them within 1 s`,
        );
      }),
    );

  const sessions = program.command('sessions').description('agent sessions');
  sessions
    .command('list')
    .option('-c, --config <path>', 'config file')
    .option('--human <id>', 'only this human')
    .action(async (flags: { config?: string; human?: string }) =>
      withStore(flags.config, async (store) => {
        const list = await store.listSessions(flags.human ? { human: flags.human } : {});
        for (const session of list) {
          const state = session.revokedAt
            ? 'revoked'
            : session.pausedAt
              ? `paused by ${session.pausedBy ?? '?'}: ${session.pauseReason ?? ''}`
              : session.expiresAt <= new Date()
                ? 'expired'
                : 'active';
          print(`${session._id}  ${session.human} -> ${session.agent}  consent ${session.consentId}  ${state}`);
        }
        if (list.length === 0) print('no sessions');
      }),
    );
  for (const [name, description] of [
    ['pause', 'pause a session: its calls are refused until resumed'],
    ['resume', 'resume a paused session'],
  ] as const) {
    sessions
      .command(name)
      .description(description)
      .argument('<sessionId>')
      .option('-c, --config <path>', 'config file')
      .option('--reason <text>', 'why', 'paused by operator')
      .action(async (sessionId: string, flags: { config?: string; reason: string }) =>
        withStore(flags.config, async (store) => {
          const found =
            name === 'pause'
              ? await store.pauseSession(sessionId, operator(), flags.reason)
              : await store.resumeSession(sessionId);
          if (!found) throw new Error(`no session ${sessionId}`);
          print(`${sessionId} ${name === 'pause' ? 'paused' : 'resumed'}; every gateway replica sees it within 1 s`);
        }),
      );
  }
}
