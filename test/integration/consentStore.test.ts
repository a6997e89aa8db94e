// Consents round-trip through the real MongoDB-wire store with their pinned definitions intact,
// including JSON Schema keys that start with `$` (which FerretDB refuses as field names).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MongoClient } from 'mongodb';
import { ConsentStore } from '../../gateway/consent/consentStore.ts';
import type { ConsentRecord, SessionRecord } from '../../gateway/consent/records.ts';
import { startTestFerretDb, type TestFerretDb } from '../support/embedded.ts';

let ferret: TestFerretDb;
let client: MongoClient;

before(async () => {
  ferret = await startTestFerretDb();
  client = new MongoClient(ferret.uri);
  await client.connect();
});
after(async () => {
  await client?.close();
  await ferret?.stop();
});

const definition = {
  name: 'search',
  description: 'Search things.',
  inputSchema: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object' as const,
    properties: { filter: { $ref: '#/$defs/filter' } },
    $defs: { filter: { type: 'object', properties: { text: { type: 'string' } } } },
  },
  annotations: { readOnlyHint: true },
};

describe('ConsentStore', () => {
  it('stores and reads back pinned definitions whose schemas use $schema, $ref and $defs', async () => {
    const store = new ConsentStore(client.db('countersign_consent_store_test'));
    await store.ensureIndexes();
    const now = new Date();
    const later = new Date(now.getTime() + 3600_000);
    const consent: ConsentRecord = {
      _id: 'cns_schema_keys',
      human: 'alice@example.com',
      humanGroups: ['sre'],
      agent: 'agent',
      toolPatterns: ['things.*'],
      maxTier: 'read',
      reason: 'test',
      ticket: null,
      createdAt: now,
      expiresAt: later,
      revokedAt: null,
      revokedBy: null,
      revokeReason: null,
      pinnedTools: [
        {
          name: 'things.search',
          upstream: 'things',
          upstreamTool: 'search',
          definitionHash: 'sha256:x',
          definition,
          tier: 'read',
        },
      ],
      pinnedServers: [{ upstream: 'things', instructionsHash: 'sha256:y' }],
      updatedAt: now,
    };
    const session: SessionRecord = {
      _id: 'ses_schema_keys',
      consentId: consent._id,
      human: consent.human,
      agent: consent.agent,
      createdAt: now,
      expiresAt: later,
      pausedAt: null,
      pausedBy: null,
      pauseReason: null,
      revokedAt: null,
      revokedBy: null,
      updatedAt: now,
    };
    await store.insertConsentWithSession(consent, session);
    const read = await store.findConsent(consent._id, 2000);
    assert.deepEqual(read?.pinnedTools[0]?.definition, definition);
    const listed = await store.listConsents({ human: 'alice@example.com' });
    assert.deepEqual(listed[0]?.pinnedTools[0]?.definition, definition);
  });
});
