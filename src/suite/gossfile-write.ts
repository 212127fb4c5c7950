import { parseYamlText } from '../core/yaml-document.js';
import { goJson } from './go-json.js';
import { goYaml, goYamlKeyLess, YamlMap, type YamlValue } from './go-yaml.js';

/**
 * A gossfile as goss holds it to write it back (`goss add`, `autoadd`, `render`): its GossConfig
 * struct. Sections come in the struct's order, resources by key, each resource's fields in its
 * struct's order; fields without `omitempty` are always written (a matcher left out as `null`,
 * a timeout as 0), as goss writes them.
 */

/** A field of a goss resource struct: its key, and its zero value when written without omitempty. */
type Field = readonly [key: string, always?: 'matcher' | 'int' | 'bool'];

const HEAD: Field[] = [['title'], ['meta']];

/** GossConfig's sections, in its field order, with each resource struct's fields in theirs. */
export const GOSS_SECTIONS: Readonly<Record<string, readonly Field[]>> = {
  file: [
    ...HEAD,
    ['path'],
    ['exists', 'matcher'],
    ['mode'],
    ['size'],
    ['owner'],
    ['uid'],
    ['group'],
    ['gid'],
    ['linked-to'],
    ['filetype'],
    ['contains'],
    ['contents', 'matcher'],
    ['md5'],
    ['sha256'],
    ['sha512'],
    ['skip'],
  ],
  package: [...HEAD, ['name'], ['installed', 'matcher'], ['versions'], ['skip']],
  addr: [...HEAD, ['address'], ['local-address'], ['reachable', 'matcher'], ['timeout', 'int'], ['skip']],
  port: [...HEAD, ['port'], ['listening', 'matcher'], ['ip'], ['skip']],
  service: [...HEAD, ['name'], ['enabled', 'matcher'], ['running', 'matcher'], ['skip'], ['runlevels']],
  user: [
    ...HEAD,
    ['username'],
    ['exists', 'matcher'],
    ['uid'],
    ['gid'],
    ['groups'],
    ['home'],
    ['shell'],
    ['skip'],
  ],
  group: [...HEAD, ['groupname'], ['exists', 'matcher'], ['gid'], ['skip']],
  command: [
    ...HEAD,
    ['exec'],
    ['exit-status', 'matcher'],
    ['stdout', 'matcher'],
    ['stderr', 'matcher'],
    ['timeout', 'int'],
    ['skip'],
  ],
  dns: [
    ...HEAD,
    ['resolve'],
    ['resolveable'],
    ['resolvable', 'matcher'],
    ['addrs'],
    ['timeout', 'int'],
    ['server'],
    ['skip'],
  ],
  process: [...HEAD, ['comm'], ['running', 'matcher'], ['skip']],
  gossfile: [...HEAD, ['skip'], ['file']],
  'kernel-param': [...HEAD, ['name'], ['value', 'matcher'], ['skip']],
  mount: [
    ...HEAD,
    ['mountpoint'],
    ['exists', 'matcher'],
    ['opts'],
    ['vfs-opts'],
    ['source'],
    ['filesystem'],
    ['timeout', 'int'],
    ['skip'],
    ['usage'],
  ],
  interface: [...HEAD, ['name'], ['exists', 'matcher'], ['addrs'], ['mtu'], ['skip']],
  http: [
    ...HEAD,
    ['url'],
    ['method'],
    ['status', 'matcher'],
    ['allow-insecure', 'bool'],
    ['no-follow-redirects', 'bool'],
    ['timeout'],
    ['request-headers'],
    ['request-body'],
    ['headers'],
    ['body'],
    ['username'],
    ['password'],
    ['ca-file'],
    ['cert-file'],
    ['key-file'],
    ['skip'],
    ['proxy'],
  ],
  matching: [...HEAD, ['content'], ['as-reader'], ['matches', 'matcher'], ['skip']],
};

/** The Go struct name goss prints in "Adding File to 'goss.yaml'". */
export const GO_TYPE_NAMES: Readonly<Record<string, string>> = {
  file: 'File',
  package: 'Package',
  addr: 'Addr',
  port: 'Port',
  service: 'Service',
  user: 'User',
  group: 'Group',
  command: 'Command',
  dns: 'DNS',
  process: 'Process',
  gossfile: 'Gossfile',
  'kernel-param': 'KernelParam',
  mount: 'Mount',
  interface: 'Interface',
  http: 'HTTP',
  matching: 'Matching',
};

export type GossEntry = Record<string, unknown>;
/** Section → resource key → fields. */
export type GossDoc = Record<string, Record<string, GossEntry>>;

export type StoreFormat = 'yaml' | 'json';

/** goss picks the format from the file name; anything else is refused. */
export function storeFormatOf(file: string): StoreFormat | undefined {
  if (file.endsWith('.json')) return 'json';
  if (file.endsWith('.yaml') || file.endsWith('.yml')) return 'yaml';
  return undefined;
}

/** A gossfile that cannot be merged into: names the file (and line when known) and what is wrong. */
export class GossfileWriteError extends Error {
  override name = 'GossfileWriteError';
}

/**
 * Read a gossfile goss-add style: the text as written, without templates (goss reads it raw
 * too). Unknown sections or attributes are refused rather than dropped on rewrite.
 */
export function parseGossDoc(text: string, file: string, format: StoreFormat): GossDoc {
  let data: unknown;
  if (format === 'json') {
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new GossfileWriteError(`${file}: not valid JSON: ${(err as Error).message}`);
    }
  } else {
    // Exit 2 with file:line:col, as any unreadable input to a command that writes.
    data = parseYamlText(file, text, 2).data;
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data))
    throw new GossfileWriteError(`${file}: expected a map of resource types at the top`);
  const out: GossDoc = {};
  for (const [section, resources] of Object.entries(data as Record<string, unknown>)) {
    const fields = GOSS_SECTIONS[section];
    if (!fields)
      throw new GossfileWriteError(
        `${file}: unknown resource type "${section}" (known: ${Object.keys(GOSS_SECTIONS).join(', ')})`,
      );
    if (resources === null || resources === undefined) continue;
    if (typeof resources !== 'object' || Array.isArray(resources))
      throw new GossfileWriteError(`${file}: ${section}: expected a map of resources`);
    const known = new Set(fields.map((f) => f[0]));
    out[section] = {};
    for (const [key, entry] of Object.entries(resources as Record<string, unknown>)) {
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
        throw new GossfileWriteError(`${file}: ${section} "${key}": expected a map of attributes`);
      for (const attr of Object.keys(entry)) {
        if (!known.has(attr))
          throw new GossfileWriteError(`${file}: ${section} "${key}": unknown attribute "${attr}"`);
      }
      out[section]![key] = entry as GossEntry;
    }
  }
  return out;
}

/**
 * Put a resource into the doc as goss's AppendSysResource does: it replaces one with the same
 * key, keeping that one's title and meta.
 */
export function putResource(doc: GossDoc, section: string, key: string, entry: GossEntry): GossEntry {
  doc[section] ??= {};
  const resources = doc[section];
  const old = resources[key];
  const merged: GossEntry = { ...entry };
  if (old?.title !== undefined) merged.title = old.title;
  if (old?.meta !== undefined) merged.meta = old.meta;
  resources[key] = merged;
  return merged;
}

/** Whether goss would write nothing for this doc (it then refuses to write the file). */
export function isEmptyDoc(doc: GossDoc): boolean {
  return Object.values(doc).every((r) => Object.keys(r).length === 0);
}

/**
 * Fields with a Go type of their own (strings, bools, ints, lists of strings, meta); every other
 * field is a matcher (interface{}), which omitempty leaves out only when nil: `uid: 0`,
 * `exists: false` and `ip: []` are written.
 */
const TYPED = new Set([
  'title',
  'meta',
  'skip',
  'path',
  'name',
  'username',
  'groupname',
  'comm',
  'port',
  'address',
  'local-address',
  'exec',
  'resolve',
  'server',
  'mountpoint',
  'url',
  'method',
  'request-headers',
  'request-body',
  'password',
  'ca-file',
  'cert-file',
  'key-file',
  'proxy',
  'file',
  'as-reader',
  'timeout',
]);

/** One resource struct: fields in order, omitempty ones left out when zero. */
function structOf(section: string, entry: GossEntry): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [key, always] of GOSS_SECTIONS[section]!) {
    const v = entry[key];
    if (always) {
      out.push([key, v ?? (always === 'int' ? 0 : always === 'bool' ? false : null)]);
      continue;
    }
    // http's username is a string; user's `username` key-override is too.
    if (v === undefined || v === null) continue;
    if (TYPED.has(key) && isZero(v)) continue;
    out.push([key, v]);
  }
  return out;
}

/** yaml.v3/encoding-json omitempty for a typed field: false, 0, "", an empty list or map. */
function isZero(v: unknown): boolean {
  if (v === false || v === 0 || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && v !== null && Object.keys(v).length === 0;
}

/** The doc in goss's layout, as yaml.v3 (`.yaml`/`.yml`) or MarshalIndent with 4 spaces (`.json`). */
export function renderGossDoc(doc: GossDoc, format: StoreFormat): string {
  const sections = Object.keys(GOSS_SECTIONS).filter((s) => Object.keys(doc[s] ?? {}).length > 0);
  if (format === 'json') {
    // encoding/json: struct fields in order, map keys sorted bytewise.
    const obj: Record<string, unknown> = {};
    for (const s of sections) {
      const resources = doc[s]!;
      const keys = Object.keys(resources).sort(byteOrder);
      obj[s] = Object.fromEntries(keys.map((k) => [k, Object.fromEntries(structOf(s, resources[k]!))]));
    }
    return `${goJsonOrdered(obj)}`;
  }
  return goYaml(
    new YamlMap(
      sections.map((s) => {
        const resources = doc[s]!;
        const keys = Object.keys(resources).sort((a, b) =>
          goYamlKeyLess(a, b) ? -1 : goYamlKeyLess(b, a) ? 1 : 0,
        );
        return [
          s,
          new YamlMap(keys.map((k) => [k, new YamlMap(structOf(s, resources[k]!) as [string, YamlValue][])])),
        ];
      }),
    ),
  );
}

/** goss's announcement of one added resource: `{ID: resource}` in the file's format. */
export function renderOne(section: string, key: string, entry: GossEntry, format: StoreFormat): string {
  const fields = structOf(section, entry);
  if (format === 'json') return goJsonOrdered({ [key]: Object.fromEntries(fields) });
  return goYaml(new YamlMap([[key, new YamlMap(fields as [string, YamlValue][])]])).replace(/\n$/, '');
}

function byteOrder(a: string, b: string): number {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return Buffer.compare(x, y);
}

/**
 * encoding/json MarshalIndent("", "    "): the top two levels keep the order built above (struct
 * and sorted map); user values below sort their map keys as Go does.
 */
function goJsonOrdered(obj: Record<string, unknown>): string {
  const sortDeep = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sortDeep);
    if (x && typeof x === 'object') {
      const keys = Object.keys(x).sort(byteOrder);
      return Object.fromEntries(keys.map((k) => [k, sortDeep((x as Record<string, unknown>)[k])]));
    }
    return x;
  };
  const ordered = Object.fromEntries(
    Object.entries(obj).map(([s, resources]) => [
      s,
      Object.fromEntries(
        Object.entries(resources as Record<string, Record<string, unknown>>).map(([k, fields]) => [
          k,
          Object.fromEntries(Object.entries(fields).map(([f, v]) => [f, sortDeep(v)])),
        ]),
      ),
    ]),
  );
  // goJson keeps the order given when every key is a struct field; HTML characters escaped as Go does.
  return goJson(ordered, { indent: '    ', struct: ALL_KEYS });
}

/** Keys goJson must not re-sort: everything here is already in Go's order. */
const ALL_KEYS: ReadonlySet<string> = { has: () => true } as unknown as ReadonlySet<string>;
