import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkHostKey,
  fingerprint,
  hostMatches,
  keyTypeOf,
  knownKeyTypes,
  lookupName,
  parseKnownHosts,
} from '../../../src/transports/known-hosts.js';

const dir = join(import.meta.dirname, '../../fixtures/targets');
const entries = parseKnownHosts(readFileSync(join(dir, 'known_hosts'), 'utf8'));
const key = (n: number) =>
  Buffer.from(readFileSync(join(dir, `key${n}.pub`), 'utf8').split(' ')[1]!, 'base64');
const printed = (n: number) => readFileSync(join(dir, `key${n}.fingerprint`), 'utf8').trim();

describe('known_hosts', () => {
  it('parses entries with markers and skips comments', () => {
    expect(entries).toHaveLength(7);
    expect(entries[3]).toMatchObject({ line: 5, marker: 'revoked', hosts: 'old.example.com' });
    expect(entries[4]).toMatchObject({ marker: 'cert-authority' });
  });

  it('names non-standard ports as [host]:port, like ssh', () => {
    expect(lookupName('h', 22)).toBe('h');
    expect(lookupName('h', 2222)).toBe('[h]:2222');
  });

  it('matches plain, comma-separated, wildcard and negated patterns', () => {
    expect(hostMatches('web.example.com,10.0.0.5', '10.0.0.5', 22)).toBe(true);
    expect(hostMatches('web.example.com,10.0.0.5', '10.0.0.5', 2222)).toBe(false);
    expect(hostMatches('*.corp.example.com,!db.corp.example.com', 'app.corp.example.com', 22)).toBe(true);
    expect(hostMatches('*.corp.example.com,!db.corp.example.com', 'db.corp.example.com', 22)).toBe(false);
    expect(hostMatches('web?.example.com', 'web1.example.com', 22)).toBe(true);
    expect(hostMatches('WEB.example.com', 'web.EXAMPLE.com', 22)).toBe(true);
  });

  it('matches hashed entries written by ssh-keygen -H, including the [host]:port form', () => {
    expect(checkHostKey(entries, 'hashed.example.com', 22, key(2))).toEqual({ status: 'match', line: 7 });
    expect(checkHostKey(entries, 'hashed.example.com', 2200, key(1))).toEqual({ status: 'match', line: 8 });
    expect(checkHostKey(entries, 'hashed.example.com', 2201, key(1))).toEqual({ status: 'unknown' });
  });

  it('tells a changed key from an unknown host', () => {
    expect(checkHostKey(entries, 'web.example.com', 22, key(2))).toEqual({ status: 'changed', lines: [2] });
    expect(checkHostKey(entries, 'elsewhere.example.org', 22, key(1))).toEqual({ status: 'unknown' });
    expect(checkHostKey(entries, 'bastion.example.com', 2222, key(2))).toEqual({ status: 'match', line: 3 });
  });

  it('never trusts a revoked key and ignores CA lines for plain keys', () => {
    expect(checkHostKey(entries, 'old.example.com', 22, key(2))).toEqual({ status: 'revoked', line: 5 });
    // key3 is a CA for *.example.com, not a host key of api.example.com.
    expect(checkHostKey(entries, 'api.example.com', 22, key(3))).toEqual({ status: 'unknown' });
  });

  it('lists the key types on record for a host', () => {
    expect(knownKeyTypes(entries, 'app.corp.example.com', 22)).toEqual(['ecdsa-sha2-nistp256']);
    expect(knownKeyTypes(entries, 'nowhere', 22)).toEqual([]);
  });

  it('prints fingerprints exactly as ssh-keygen -lf does', () => {
    expect(fingerprint(key(1))).toBe(printed(1));
    expect(fingerprint(key(3))).toBe(printed(3));
    expect(keyTypeOf(key(3))).toBe('ecdsa-sha2-nistp256');
  });
});
