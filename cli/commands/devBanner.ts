// What `countersign dev` prints once everything is up: every URL a newcomer needs, and what to run next.
export interface DevBanner {
  mcpUrl: string;
  gatewayUrl: string;
  temporalAddress: string;
  temporalUiUrl: string | undefined;
  mongoUri: string;
  deploymentsUrl: string;
  dataDir: string;
  health: string;
  upstreams: string[];
}

export function printDevBanner(banner: DevBanner, write: (text: string) => void = (text) => process.stdout.write(text)): void {
  const lines = [
    '',
    'Countersign is running (embedded default). Ctrl-C stops everything.',
    '',
    `  MCP endpoint (agents)   ${banner.mcpUrl}`,
    `  Health / metrics        ${banner.gatewayUrl}/healthz   ${banner.gatewayUrl}/metrics`,
    `  Temporal Web UI         ${banner.temporalUiUrl ?? '(headless)'}`,
    `  Temporal gRPC           ${banner.temporalAddress}`,
    `  MongoDB wire (FerretDB) ${banner.mongoUri}`,
    `  Example upstreams       ${banner.upstreams.join(', ')}`,
    `  Deployments upstream    ${banner.deploymentsUrl}`,
    `  Data directory          ${banner.dataDir}`,
    `  Worker health check     ${banner.health}`,
    '',
    'Next:',
    '  npx countersign demo                      # a scripted agent calls tools through the gateway',
    `  MONGODB_URI=${banner.mongoUri} npx countersign audit tail   # follow the audit trail`,
    `  Point an MCP client at ${banner.mcpUrl}. Agent-session tokens (countersign token issue) arrive with the identity layer;`,
    '  until then /mcp accepts calls from this machine without a token and records them as anonymous.',
    '',
  ];
  write(`${lines.join('\n')}\n`);
}
