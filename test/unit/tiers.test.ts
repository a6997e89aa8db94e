import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TierClassifier, globToRegExp } from '../../gateway/tiers.ts';

const classifier = new TierClassifier([
  { upstream: 'incidents', tool: 'search_*', tier: 'read' },
  { upstream: 'incidents', tool: 'get_incident', tier: 'read' },
  { upstream: '*', tool: 'delete_*', tier: 'destructive' },
  { upstream: 'deployments', tool: 'list_deployments', tier: 'read' },
]);

describe('TierClassifier', () => {
  it('takes the tier from the first matching pattern', () => {
    assert.equal(classifier.classify('incidents', { name: 'search_incidents' }), 'read');
    assert.equal(classifier.classify('deployments', { name: 'delete_environment' }), 'destructive');
  });

  it('treats a tool no rule matches as write', () => {
    assert.equal(classifier.classify('incidents', { name: 'close_incident' }), 'write');
    assert.equal(classifier.classify('newcomer', { name: 'anything' }), 'write');
  });

  it('lets annotations raise a tier but never lower it', () => {
    assert.equal(
      classifier.classify('deployments', { name: 'list_deployments', annotations: { destructiveHint: true } }),
      'destructive',
    );
    assert.equal(
      classifier.classify('incidents', { name: 'close_incident', annotations: { readOnlyHint: true } }),
      'write',
    );
    assert.equal(
      classifier.classify('deployments', {
        name: 'delete_environment',
        annotations: { readOnlyHint: true, destructiveHint: false },
      }),
      'destructive',
    );
  });

  it('matches globs literally apart from *', () => {
    assert.ok(globToRegExp('incidents.*').test('incidents.close_incident'));
    assert.ok(!globToRegExp('incidents.*').test('incidentsXclose'));
    assert.ok(!globToRegExp('a+b').test('aab'));
  });
});
