// DNS-rebinding defence for /mcp: a page on evil.example that resolves its name to 127.0.0.1 can
// make a browser POST to the gateway, but it cannot make the Host header say 127.0.0.1:7410, and
// its Origin header gives it away. createMcpHandler checks neither, so we do, before anything else.

export interface HostGuardOptions {
  allowedHosts: ReadonlySet<string>;
  allowedOrigins: ReadonlySet<string>;
}

export type GuardVerdict = { ok: true } | { ok: false; status: 403 | 421; reason: string };

export function checkHostAndOrigin(
  host: string | undefined,
  origin: string | undefined,
  options: HostGuardOptions,
): GuardVerdict {
  if (!host || !options.allowedHosts.has(host.toLowerCase())) {
    return { ok: false, status: 421, reason: `Host '${host ?? ''}' is not served here (DNS-rebinding protection)` };
  }
  // Non-browser agents send no Origin. A browser always does, and it must be one we were told to trust.
  if (origin !== undefined && !options.allowedOrigins.has(origin.toLowerCase())) {
    return { ok: false, status: 403, reason: `Origin '${origin}' is not allowed` };
  }
  return { ok: true };
}

export function defaultAllowedHosts(host: string, port: number, publicUrl: string | undefined): string[] {
  const hosts = [`${host}:${port}`, `127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  if (publicUrl) hosts.push(new URL(publicUrl).host);
  return [...new Set(hosts.map((value) => value.toLowerCase()))];
}
