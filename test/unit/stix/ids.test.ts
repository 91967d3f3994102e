import { describe, expect, it } from 'vitest';
import {
  autonomousSystemId,
  canonicalJson,
  deterministicId,
  fileId,
  identityId,
  locationId,
  observableId,
  relationshipId,
  uuidV5,
} from '../../../src/stix/ids';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 'x', true, null], c: 'y' } })).toBe(
      '{"a":{"c":"y","d":[1,"x",true,null]},"b":1}',
    );
  });

  it('orders keys by UTF-16 code units, as RFC 8785 requires', () => {
    expect(canonicalJson({ é: 1, z: 2, A: 3, _: 4 })).toBe('{"A":3,"_":4,"z":2,"é":1}');
  });

  it('keeps non-ASCII characters unescaped and escapes controls like JSON.stringify', () => {
    expect(canonicalJson({ name: 'bäckerei\n"x"' })).toBe('{"name":"bäckerei\\n\\"x\\""}');
  });

  it('writes numbers in ECMAScript form and refuses non-finite ones', () => {
    expect(canonicalJson([1.5, 1e21, -0, 64500])).toBe('[1.5,1e+21,0,64500]');
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
  });
});

describe('uuidV5', () => {
  it('matches the RFC 4122 / Python uuid5 result for the DNS namespace', () => {
    expect(uuidV5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
  });
});

// et-intelligence.md §2.8 "Test vectors".
describe('ids: et-intelligence.md §2.8 vectors', () => {
  const ip10 = observableId('ipv4-addr', '198.51.100.10');
  const ip5 = observableId('ipv4-addr', '203.0.113.5');
  const malicious = observableId('domain-name', 'malicious.example.com');
  const c2 = observableId('domain-name', 'c2.example.net');
  const file0123 = fileId({ MD5: '0123456789abcdef0123456789abcdef' });
  const us = locationId('United States of America', 'Country');
  const as64500 = autonomousSystemId(64500);

  it.each([
    [
      'author "ProofPoint ET Intelligence"',
      identityId('ProofPoint ET Intelligence', 'organization'),
      'identity--fed9dc45-9659-5e32-9d2d-eb9a45df43a7',
    ],
    ['ipv4 198.51.100.10', ip10, 'ipv4-addr--40495fb2-6385-5166-bb8f-bf50ce06f444'],
    ['ipv4 203.0.113.5', ip5, 'ipv4-addr--826fe3cb-56b0-5620-9d30-4c17ed7b24e3'],
    ['domain malicious.example.com', malicious, 'domain-name--ebde1661-e6d4-5cb7-a987-d14958c8680a'],
    ['domain c2.example.net', c2, 'domain-name--5e525b76-acd9-5c9b-ac79-afa42fa54ca7'],
    ['file MD5 0123…cdef', file0123, 'file--5abe0dd7-4bcc-59de-bfd6-5dda910fd773'],
    [
      'file MD5 0011…eeff',
      fileId({ MD5: '00112233445566778899aabbccddeeff' }),
      'file--5ac52635-4d6f-5093-abf9-54e9fafc8691',
    ],
    ['AS 64500', as64500, 'autonomous-system--0a5f7072-df00-5729-9f0a-4eb18631a446'],
    ['Country "United States of America"', us, 'location--e79b4cf1-a256-5efa-bc74-c94c7c7ffde0'],
    [
      'c2.example.net resolves-to 198.51.100.10',
      relationshipId('resolves-to', c2, ip10),
      'relationship--ab7c8d67-6587-5ae6-bc14-c0252d16f9f8',
    ],
    [
      'malicious.example.com resolves-to 203.0.113.5',
      relationshipId('resolves-to', malicious, ip5),
      'relationship--e30e5b53-8502-51e7-8ec9-d6bacb653bf7',
    ],
    [
      'file(0123…) communicates-with 198.51.100.10',
      relationshipId('communicates-with', file0123, ip10),
      'relationship--64592e42-6c83-5db7-98d7-cd5e2c8723c7',
    ],
    [
      '198.51.100.10 located-at the US',
      relationshipId('located-at', ip10, us),
      'relationship--b7033d22-5713-5691-86e4-940ebbee2d4b',
    ],
    [
      '198.51.100.10 belongs-to AS 64500',
      relationshipId('belongs-to', ip10, as64500),
      'relationship--51db4a40-a29b-55ce-9f74-2281b9d47558',
    ],
  ])('%s', (_name, got, want) => {
    expect(got).toBe(want);
  });
});

// opencti-connector-protocol.md §5.3 "Test vectors".
describe('ids: protocol §5.3 vectors', () => {
  const ip8888 = observableId('ipv4-addr', '8.8.8.8');
  const france = locationId('france', 'Country');

  it.each([
    ['ipv4-addr 8.8.8.8', ip8888, 'ipv4-addr--2f689bf9-0ff2-545f-aa61-e495eb8cecc7'],
    [
      'domain-name example.com',
      observableId('domain-name', 'example.com'),
      'domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7',
    ],
    [
      'url https://example.com/a',
      deterministicId('url', { value: 'https://example.com/a' }),
      'url--6ccd10ff-4c3f-5062-a19f-b6bd987c6637',
    ],
    [
      'file SHA-256 of the empty string',
      fileId({ 'SHA-256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' }),
      'file--22f8ff52-8f62-5f03-a53a-6f50f54fd74c',
    ],
    [
      'identity example corp',
      identityId('example corp', 'organization'),
      'identity--69f1df30-eb2f-5845-88e0-64e2d05ab72e',
    ],
    ['location france', france, 'location--b8d0549f-de06-5ebd-a6e9-d31a581dba5d'],
    ['malware emotet', deterministicId('malware', { name: 'emotet' }), 'malware--36297121-bf18-56e1-b200-d39c9f9f5cee'],
    [
      'indicator pattern',
      deterministicId('indicator', { pattern: "[ipv4-addr:value = '8.8.8.8']" }),
      'indicator--7ad3d74b-c761-522d-9359-5e7565a3abb4',
    ],
    [
      'external-reference url',
      deterministicId('external-reference', { url: 'https://example.com/report' }),
      'external-reference--4d4eeaf9-7eeb-5d7f-9c6a-80a9f6942712',
    ],
    [
      '8.8.8.8 located-at France',
      relationshipId('located-at', ip8888, france),
      'relationship--cc729aec-0627-50b2-9462-e56e7b298d63',
    ],
  ])('%s', (_name, got, want) => {
    expect(got).toBe(want);
  });
});

describe('ids: rules', () => {
  it('gives the platform ids of the fixture entities', () => {
    expect(observableId('ipv4-addr', '198.51.100.23')).toBe('ipv4-addr--cec0294c-86c8-52cc-8448-ba43593736df');
    expect(observableId('domain-name', 'payload-cdn.example.net')).toBe(
      'domain-name--15786753-b155-5c3b-b0e4-2f8a0fbd0b6f',
    );
    expect(
      fileId({ MD5: '08d9f42e95558080483d28154e573c8f', 'SHA-1': '974f3f40e8fb201355dd34e4440a23e82c80b79d' }),
    ).toBe('file--3cbee695-5154-5346-83bf-9a40e1840950');
  });

  it('identifies a file by MD5 first, then SHA-1, SHA-256, SHA-512', () => {
    const md5 = '0123456789abcdef0123456789abcdef';
    const sha1 = 'a'.repeat(40);
    const sha256 = 'b'.repeat(64);
    const sha512 = 'c'.repeat(128);
    expect(fileId({ 'SHA-512': sha512, 'SHA-256': sha256, 'SHA-1': sha1, MD5: md5 })).toBe(fileId({ MD5: md5 }));
    expect(fileId({ 'SHA-512': sha512, 'SHA-256': sha256, 'SHA-1': sha1 })).toBe(
      deterministicId('file', { hashes: { 'SHA-1': sha1 } }),
    );
    expect(fileId({ 'SHA-512': sha512, 'SHA-256': sha256 })).toBe(
      deterministicId('file', { hashes: { 'SHA-256': sha256 } }),
    );
    expect(fileId({ 'SHA-512': sha512 })).toBe(deterministicId('file', { hashes: { 'SHA-512': sha512 } }));
    expect(() => fileId({})).toThrow(TypeError);
  });

  it('lower-cases and trims identity and location names, but not observable values', () => {
    expect(identityId('  ProofPoint ET Intelligence ', 'Organization')).toBe(
      'identity--fed9dc45-9659-5e32-9d2d-eb9a45df43a7',
    );
    expect(locationId(' France', 'Country')).toBe('location--b8d0549f-de06-5ebd-a6e9-d31a581dba5d');
    expect(observableId('domain-name', 'Example.com')).not.toBe(observableId('domain-name', 'example.com'));
  });

  it('types the id by the observable type', () => {
    expect(observableId('ipv6-addr', '2001:db8::1')).toMatch(
      /^ipv6-addr--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});
