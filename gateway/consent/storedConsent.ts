// How a consent is stored. Pinned tool definitions are kept as JSON text, not as nested documents:
// JSON Schemas routinely carry `$schema`, `$ref` and `$defs` keys, which MongoDB-wire stores refuse
// or restrict as field names (FerretDB rejects them outright), and a consent must pin exactly what
// the upstream sent, byte for byte in meaning.
import type { Tool } from '@modelcontextprotocol/client';
import type { ConsentRecord, PinnedTool } from './records.ts';

export type StoredPinnedTool = Omit<PinnedTool, 'definition'> & { definitionJson: string };
export type StoredConsent = Omit<ConsentRecord, 'pinnedTools'> & { pinnedTools: StoredPinnedTool[] };

export function toStoredConsent(consent: ConsentRecord): StoredConsent {
  return {
    ...consent,
    pinnedTools: consent.pinnedTools.map(({ definition, ...pinned }) => ({
      ...pinned,
      definitionJson: JSON.stringify(definition),
    })),
  };
}

export function fromStoredConsent(stored: StoredConsent): ConsentRecord {
  return {
    ...stored,
    pinnedTools: stored.pinnedTools.map((pinned) => {
      // Consents written before definitions were stored as text hold the object itself.
      const { definitionJson, definition, ...rest } = pinned as StoredPinnedTool & { definition?: Tool };
      return { ...rest, definition: definitionJson === undefined ? definition! : (JSON.parse(definitionJson) as Tool) };
    }),
  };
}
