// `countersign gateway`: the production gateway process against external MongoDB (and, once
// approvals land, Temporal). Stateless: run as many replicas as needed behind a load balancer.
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { startGateway } from '../../gateway/gateway.ts';
import { connectMongo } from '../../integrations/mongodb/connect.ts';
import { createLogger } from '../../observability/logger.ts';
import { resolveConfigPath } from '../configPath.ts';
import { onShutdown } from '../shutdown.ts';

export function registerGatewayCommand(program: Command): void {
  program
    .command('gateway')
    .description('run the gateway (MCP endpoint on /mcp) against external MongoDB')
    .option('-c, --config <path>', 'config file (default: $COUNTERSIGN_CONFIG or ./countersign.yaml)')
    .option('-p, --port <port>', 'listen port (overrides gateway.port)', (value) => Number.parseInt(value, 10))
    .action(async (flags: { config?: string; port?: number }) => {
      const loaded = await loadConfig(resolveConfigPath(flags.config));
      const logger = createLogger({ level: loaded.env.LOG_LEVEL, name: 'countersign-gateway' });
      const mongo = await connectMongo(loaded.env.MONGODB_URI, loaded.file.audit.database);
      const gateway = await startGateway({
        config: loaded.file,
        baseDir: loaded.baseDir,
        db: mongo.db,
        logger,
        ...(flags.port !== undefined ? { port: flags.port } : {}),
      });
      process.stdout.write(
        `${JSON.stringify({ event: 'gateway-ready', mcpUrl: gateway.mcpUrl, listenUrl: gateway.listenUrl })}\n`,
      );
      onShutdown(logger, async () => {
        await gateway.close();
        await mongo.close();
      });
    });
}
