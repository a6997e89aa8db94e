// What `countersign dev` prints once everything is up: every URL a newcomer needs, and what to run next.
export interface DevBanner {
  mcpUrl: string;
  gatewayUrl: string;
  temporalAddress: string;
  temporalUiUrl: string | undefined;
  mongoUri: string;
  /** The store's Unix socket, which the gateway and worker use (null: TCP only). */
  mongoSocketUri: string | null;
  deploymentsUrl: string;
  dataDir: string;
  health: string;
  upstreams: string[];
}

export function printDevBanner(
  banner: DevBanner,
  write: (text: string) => void = (text) => process.stdout.write(text),
): void {
  const lines = [
    '',
    'Countersign is running (embedded default). Ctrl-C stops everything.',
    '',
    `  MCP endpoint (agents)   ${banner.mcpUrl}`,
    `  Health / metrics        ${banner.gatewayUrl}/healthz   ${banner.gatewayUrl}/metrics`,
    `  Temporal Web UI         ${banner.temporalUiUrl ?? '(headless)'}`,
    `  Temporal gRPC           ${banner.temporalAddress}`,
    `  MongoDB wire (FerretDB) ${banner.mongoUri}${banner.mongoSocketUri ? `   (gateway, worker: ${banner.mongoSocketUri})` : ''}`,
    `  Example upstreams       ${banner.upstreams.join(', ')}`,
    `  Deployments upstream    ${banner.deploymentsUrl}`,
    `  Data directory          ${banner.dataDir}`,
    `  Worker health check     ${banner.health}`,
    '',
    'Next:',
    '  npx countersign demo                      # a scripted agent gets consent, then calls tools through the gateway',
    "  npx countersign token issue --human alice@example.com --agent claude-code --tools 'incidents.*' --ttl 8h --reason 'triage INC-1041'",
    '                                            # consent + agent-session token + MCP client config snippet',
    '  npx countersign audit tail                # follow the audit trail',
    `  Point an MCP client at ${banner.mcpUrl} with the token as Authorization: Bearer <token>.`,
    '',
  ];
  write(`${lines.join('\n')}\n`);
}
