// The `countersign` CLI. Each subcommand lives in its own file under cli/commands.
import { Command } from 'commander';
import { ConfigError } from '../config/load.ts';
import { registerAuditCommands } from './commands/audit.ts';
import { registerConsentCommands } from './commands/consent.ts';
import { registerDemoCommand } from './commands/demo.ts';
import { registerDevCommand } from './commands/dev.ts';
import { registerGatewayCommand } from './commands/gateway.ts';
import { registerWorkerCommand } from './commands/worker.ts';

const program = new Command()
  .name('countersign')
  .description("MCP gateway that makes AI agents' tool calls governable")
  .version('0.1.0');

registerDevCommand(program);
registerGatewayCommand(program);
registerWorkerCommand(program);
registerDemoCommand(program);
registerAuditCommands(program);
registerConsentCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  const coded = error as { code?: string; message?: string };
  process.stderr.write(`countersign: ${coded.code ? `[${coded.code}] ` : ''}${coded.message ?? String(error)}\n`);
  process.exit(1);
}
