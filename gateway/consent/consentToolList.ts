// What `tools/list` shows one session: only the tools its consent covers, as pinned (not as the
// upstream describes them now), with the tier in `_meta`. A pinned tool whose live definition or
// server changed is still listed, marked blocked, so the agent learns why calls to it fail.
import type { Tool } from '@modelcontextprotocol/server';
import type { UpstreamPool } from '../upstreams/upstreamPool.ts';
import { checkPinned } from './pinning.ts';
import type { ConsentRecord } from './records.ts';

const MAX_CACHED = 10_000;

export class ConsentToolLists {
  private readonly cache = new Map<string, { revision: string; tools: Tool[] }>();

  constructor(private readonly pool: UpstreamPool) {}

  toolsFor(consent: ConsentRecord): Tool[] {
    const instructions = this.pool.instructionHashes();
    const revision = `${this.pool.catalog.revision}|${[...instructions.values()].join(',')}`;
    const cached = this.cache.get(consent._id);
    if (cached?.revision === revision) return cached.tools;
    const tools = consent.pinnedTools.map((pinned) => {
      const check = checkPinned(consent, pinned.name, this.pool.catalog.get(pinned.name), instructions);
      return {
        ...pinned.definition,
        name: pinned.name,
        _meta: {
          ...pinned.definition._meta,
          'countersign/tier': pinned.tier,
          'countersign/upstream': pinned.upstream,
          ...(check.ok ? {} : { 'countersign/blocked': { code: check.code, reason: check.message } }),
        },
      };
    });
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(consent._id, { revision, tools });
    return tools;
  }
}
