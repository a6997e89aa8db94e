// RFC 9728 metadata, the 401 challenge, and Bearer token extraction.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearerToken, protectedResourceMetadata, wwwAuthenticate } from '../../gateway/identity/protectedResource.ts';

const METADATA_URL = 'http://127.0.0.1:7410/.well-known/oauth-protected-resource';

describe('protectedResourceMetadata', () => {
  it('names the resource and the IdP as its authorization server', () => {
    const metadata = protectedResourceMetadata({
      resource: 'http://127.0.0.1:7410/mcp',
      authorizationServers: ['https://idp.example.com/'],
      scopesSupported: ['mcp'],
    });
    assert.equal(metadata.resource, 'http://127.0.0.1:7410/mcp');
    assert.deepEqual(metadata.authorization_servers, ['https://idp.example.com/']);
    assert.deepEqual(metadata.bearer_methods_supported, ['header']);
    assert.deepEqual(metadata.scopes_supported, ['mcp']);
    assert.ok(!('scopes_supported' in protectedResourceMetadata({ resource: 'r', authorizationServers: [] })));
  });
});

describe('wwwAuthenticate', () => {
  it('points at the metadata, with an error and description when given', () => {
    assert.equal(wwwAuthenticate({ resourceMetadataUrl: METADATA_URL }), `Bearer resource_metadata="${METADATA_URL}"`);
    assert.equal(
      wwwAuthenticate({
        resourceMetadataUrl: METADATA_URL,
        error: 'invalid_token',
        description: 'The token has expired.',
      }),
      `Bearer resource_metadata="${METADATA_URL}", error="invalid_token", error_description="The token has expired."`,
    );
  });

  it('cannot be broken out of by quotes, backslashes or line breaks in the description', () => {
    const header = wwwAuthenticate({
      resourceMetadataUrl: METADATA_URL,
      error: 'invalid_token',
      description: 'bad "token"\\\r\nSet-Cookie: x=1 — ünïcode',
    });
    assert.equal(header.split('"').length - 1, 6, 'exactly three quoted values');
    assert.doesNotMatch(header, /[\r\n\\]/);
    assert.match(header, /^[\x20-\x7e]+$/);
  });
});

describe('bearerToken', () => {
  it('extracts the token, with the scheme in any case', () => {
    assert.equal(bearerToken('Bearer abc.def-ghi_jkl'), 'abc.def-ghi_jkl');
    assert.equal(bearerToken('bearer abc.def.ghi'), 'abc.def.ghi');
    assert.equal(bearerToken('BEARER  abc.def.ghi  '), 'abc.def.ghi');
  });

  it('refuses other schemes, empty and malformed values', () => {
    for (const header of [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      'Basic YWxhZGRpbjpvcGVu',
      'Token abc',
      'Bearer a b',
      'Bearerabc',
      'Bearer "abc"',
    ]) {
      assert.equal(bearerToken(header), undefined, String(header));
    }
  });
});
