// Where the config file is: --config, then COUNTERSIGN_CONFIG, then ./countersign.yaml.
export function resolveConfigPath(flag: string | undefined): string {
  return flag ?? process.env['COUNTERSIGN_CONFIG'] ?? 'countersign.yaml';
}
