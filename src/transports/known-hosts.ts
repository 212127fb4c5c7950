import { createHash, createHmac } from 'node:crypto';

/**
 * OpenSSH known_hosts, read the way `ssh` reads it: plain and hashed (`|1|salt|hmac`) host
 * fields, `[host]:port` for non-standard ports, `*`/`?` wildcards, `!` negation, and the
 * `@revoked` marker. `@cert-authority` lines are kept but never match a plain host key.
 */
export interface KnownHostEntry {
  line: number;
  marker?: 'cert-authority' | 'revoked';
  hosts: string;
  keyType: string;
  key: Buffer;
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) return;
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@cert-authority' || fields[0] === '@revoked') {
      marker = fields[0].slice(1) as KnownHostEntry['marker'];
      fields.shift();
    }
    const [hosts, keyType, key] = fields;
    if (!hosts || !keyType || !key) return;
    entries.push({
      line: i + 1,
      ...(marker ? { marker } : {}),
      hosts,
      keyType,
      key: Buffer.from(key, 'base64'),
    });
  });
  return entries;
}

/** The name ssh looks up: `host` on port 22, `[host]:port` otherwise. */
export function lookupName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function hostMatches(hostsField: string, host: string, port: number): boolean {
  const name = lookupName(host, port);
  if (hostsField.startsWith('|1|')) {
    const [, , salt, hash] = hostsField.split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  let matched = false;
  for (const pattern of hostsField.split(',')) {
    const negated = pattern.startsWith('!');
    const glob = negated ? pattern.slice(1) : pattern;
    if (!globMatch(glob.toLowerCase(), name.toLowerCase())) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function globMatch(glob: string, text: string): boolean {
  const re = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(text);
}

export type HostKeyCheck =
  | { status: 'match'; line: number }
  | { status: 'changed'; lines: number[] }
  | { status: 'revoked'; line: number }
  | { status: 'unknown' };

/** Judge the key a server presented against what known_hosts says about that host. */
export function checkHostKey(
  entries: KnownHostEntry[],
  host: string,
  port: number,
  key: Buffer,
): HostKeyCheck {
  const forHost = entries.filter((e) => hostMatches(e.hosts, host, port));
  const revoked = forHost.find((e) => e.marker === 'revoked' && e.key.equals(key));
  if (revoked) return { status: 'revoked', line: revoked.line };
  const plain = forHost.filter((e) => e.marker === undefined);
  const hit = plain.find((e) => e.key.equals(key));
  if (hit) return { status: 'match', line: hit.line };
  return plain.length > 0 ? { status: 'changed', lines: plain.map((e) => e.line) } : { status: 'unknown' };
}

/** Key types known for a host, so the client can ask the server for one of those first. */
export function knownKeyTypes(entries: KnownHostEntry[], host: string, port: number): string[] {
  const types = entries
    .filter((e) => e.marker === undefined && hostMatches(e.hosts, host, port))
    .map((e) => e.keyType);
  return [...new Set(types)];
}

/** `SHA256:…` exactly as `ssh-keygen -lf` and `ssh` print it (unpadded base64). */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The algorithm name inside an SSH public key blob (`ssh-ed25519`, `ssh-rsa`, …). */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const len = key.readUInt32BE(0);
  return key.subarray(4, 4 + len).toString('latin1');
}

export function knownHostsLine(host: string, port: number, key: Buffer): string {
  return `${lookupName(host, port)} ${keyTypeOf(key)} ${key.toString('base64')}`;
}
