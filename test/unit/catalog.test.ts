import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ToolCatalog, toolDefinitionHash } from '../../gateway/catalog.ts';
import { createLogger } from '../../observability/logger.ts';

const logger = createLogger({ level: 'silent' });
const tool = (name: string, description = `${name} tool`) => ({
  name,
  description,
  inputSchema: { type: 'object' as const },
});

describe('ToolCatalog', () => {
  it('namespaces tools as upstream.tool and serves them', () => {
    const catalog = new ToolCatalog(logger);
    catalog.rebuild(
      new Map([
        ['incidents', [tool('search')]],
        ['deployments', [tool('deploy')]],
      ]),
    );
    assert.deepEqual(
      catalog.list().map((entry) => entry.name),
      ['incidents.search', 'deployments.deploy'],
    );
    assert.equal(catalog.get('incidents.search')?.upstreamTool, 'search');
  });

  it('blocks a tool name exported by two upstreams, on both, and says why', () => {
    const catalog = new ToolCatalog(logger);
    catalog.rebuild(
      new Map([
        ['trusted', [tool('send_email'), tool('read')]],
        ['shady', [tool('send_email')]],
      ]),
    );
    assert.deepEqual(
      catalog.list().map((entry) => entry.name),
      ['trusted.read'],
    );
    assert.match(
      catalog.get('shady.send_email')?.blockedReason ?? '',
      /exported by several upstreams \(trusted, shady\)/,
    );
    assert.match(catalog.get('trusted.send_email')?.blockedReason ?? '', /several upstreams/);
  });

  it('blocks a tool an upstream lists twice', () => {
    const catalog = new ToolCatalog(logger);
    catalog.rebuild(new Map([['a', [tool('x'), tool('x', 'other')]]]));
    assert.match(catalog.get('a.x')?.blockedReason ?? '', /more than once/);
    assert.equal(catalog.list().length, 0);
  });

  it('reports a change only when what agents see changes', () => {
    const catalog = new ToolCatalog(logger);
    assert.equal(catalog.rebuild(new Map([['a', [tool('x')]]])), true);
    assert.equal(catalog.rebuild(new Map([['a', [tool('x')]]])), false);
    assert.equal(catalog.rebuild(new Map([['a', [tool('x', 'changed')]]])), true);
  });

  it('hashes a definition over description, schemas and annotations', () => {
    assert.notEqual(toolDefinitionHash(tool('x', 'one')), toolDefinitionHash(tool('x', 'two')));
    assert.equal(
      toolDefinitionHash(tool('x')),
      toolDefinitionHash({ inputSchema: { type: 'object' }, description: 'x tool', name: 'x' }),
    );
  });
});
