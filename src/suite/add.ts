import type { GossEntry } from './gossfile-write.js';
import type { LinesFact } from './matchers/api.js';
import type { ResourceSpec, ResourceType } from './model.js';
import { observe } from './observe.js';
import { shQuote } from './quote.js';
import { type AttrFact, effectiveSpec, type PlanSettings } from './resources/api.js';
import { RESOURCES } from './resources/index.js';
import { listeningIps } from './resources/port.js';
import type { Transport } from './transport.js';

/**
 * goss's `add TYPE NAME…` and `autoadd NAME…`: observe resources on a target and turn what is
 * there into the gossfile entries goss's NewXxx functions build (resource/*.go in goss v0.4.10):
 * the same attributes, left out where goss leaves them out (`--exclude-attr`, or a value that
 * could not be read).
 */

/** `add` subcommands goss has, by gossfile section (`goss` writes a `gossfile` include). */
export const ADD_TYPES = [
  'addr',
  'command',
  'dns',
  'file',
  'goss',
  'group',
  'http',
  'interface',
  'kernel-param',
  'mount',
  'package',
  'port',
  'process',
  'service',
  'user',
] as const;
export type AddType = (typeof ADD_TYPES)[number];

/** goss's --timeout default per add subcommand (ms). */
export const DEFAULT_ADD_TIMEOUT_MS: Partial<Record<AddType, number>> = {
  addr: 500,
  command: 10_000,
  dns: 500,
  http: 5_000,
  mount: 1_000,
};

export interface AddOptions {
  /** `--exclude-attr` globs (Go's filepath.Match): non-required attributes not written. */
  excludeAttr?: readonly string[];
  /** `--timeout` for addr, command, dns, http, mount (ms); goss's per-type default otherwise. */
  timeoutMs?: number;
  /** dns `--server`. */
  server?: string;
  /** http flags. */
  insecure?: boolean;
  noFollowRedirects?: boolean;
  username?: string;
  password?: string;
  proxy?: string;
  /** goss's --package. */
  settings?: PlanSettings;
}

export interface Added {
  section: string;
  key: string;
  entry: GossEntry;
}

/** A name cannot be observed (bad input) or the target could not answer for it. */
export class AddError extends Error {
  override name = 'AddError';
  constructor(
    message: string,
    readonly kind: 'bad-input' | 'target',
  ) {
    super(message);
  }
}

/** goss's normalisation of a name into the resource's key (port `80` → `tcp:80`, …). */
export function addKey(type: AddType, name: string): string {
  if (type === 'port') return name.includes(':') ? name : `tcp:${name}`;
  if (type === 'addr') return name.includes('://') ? name : `tcp://${name}`;
  return name;
}

function spec(type: ResourceType, key: string, attrs: Record<string, unknown>): ResourceSpec {
  return { type, key, attrs, title: '', meta: null, skip: false, source: { file: '(add)', line: 0 } };
}

/** The attributes to collect for each type: every one goss's NewXxx reads. */
function observeSpec(type: Exclude<AddType, 'goss'>, key: string, opts: AddOptions): ResourceSpec {
  const t = opts.timeoutMs ?? DEFAULT_ADD_TIMEOUT_MS[type];
  const all = (...keys: string[]) => Object.fromEntries(keys.map((k) => [k, true]));
  switch (type) {
    case 'file':
      return spec('file', key, all('exists', 'mode', 'owner', 'group', 'linked-to', 'filetype'));
    case 'user':
      return spec('user', key, all('exists', 'uid', 'gid', 'groups', 'home', 'shell'));
    case 'group':
      return spec('group', key, all('exists', 'gid'));
    case 'package':
      return spec('package', key, all('installed', 'versions'));
    case 'port':
      return spec('port', key, all('listening', 'ip'));
    case 'service':
      return spec('service', key, all('enabled', 'running'));
    case 'process':
      return spec('process', key, all('running'));
    case 'command':
      return spec('command', key, { ...all('exit-status', 'stdout', 'stderr'), timeout: t });
    case 'addr':
      return spec('addr', key, { reachable: true, timeout: t });
    case 'dns':
      return spec('dns', key, {
        ...all('resolvable', 'addrs'),
        timeout: t,
        ...(opts.server ? { server: opts.server } : {}),
      });
    case 'kernel-param':
      return spec('kernel-param', key, all('value'));
    case 'mount':
      return spec('mount', key, all('exists', 'opts', 'vfs-opts', 'source', 'filesystem'));
    case 'interface':
      return spec('interface', key, all('exists', 'addrs', 'mtu'));
    case 'http':
      return spec('http', key, {
        status: 200,
        timeout: t,
        ...(opts.insecure ? { 'allow-insecure': true } : {}),
        ...(opts.noFollowRedirects ? { 'no-follow-redirects': true } : {}),
        ...(opts.username ? { username: opts.username } : {}),
        ...(opts.password ? { password: opts.password } : {}),
        ...(opts.proxy ? { proxy: opts.proxy } : {}),
      });
  }
}

/** Go's filepath.Match, for attribute names (no path separators in them). */
export function globMatch(pattern: string, name: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]!);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) return false; // Go: ErrBadPattern, which goss treats as no match
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = `^${cls.slice(1)}`;
      re += `[${cls.replace(/\\/g, '\\\\').replace(/\]/g, '\\]')}]`;
      i = end;
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`, 's').test(name);
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** goss's readerToSlice: trimmed non-empty lines, a leading `!` or `/` escaped (not a pattern). */
export function readerToSlice(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => (l.startsWith('!') || l.startsWith('/') ? `\\${l}` : l));
}

function val(facts: Record<string, AttrFact>, key: string): unknown {
  const f = facts[key];
  return f && 'value' in f ? f.value : undefined;
}

function err(facts: Record<string, AttrFact>, key: string): string | undefined {
  const f = facts[key];
  return f && 'error' in f ? f.error : undefined;
}

function text(v: unknown): string {
  const l = v as LinesFact;
  return l?.text ?? l?.lines?.join('\n') ?? '';
}

/** goss's NewXxx: the entry for one observed resource. */
export function entryFor(
  type: Exclude<AddType, 'goss'>,
  key: string,
  facts: Record<string, AttrFact>,
  opts: AddOptions,
): GossEntry {
  const excluded = (attr: string) => (opts.excludeAttr ?? []).some((p) => globMatch(p, attr));
  const e: GossEntry = {};
  /** An optional attribute: written when it was read and is not excluded. */
  const opt = (attr: string) => {
    const v = val(facts, attr);
    if (v !== undefined && !excluded(attr)) e[attr] = v;
  };
  /** A value goss needs; without it goss's add fails for this name. */
  const need = (attr: string): unknown => {
    const v = val(facts, attr);
    if (v === undefined)
      throw new AddError(`${type} ${key}: ${err(facts, attr) ?? `${attr} not collected`}`, 'target');
    return v;
  };
  const t = opts.timeoutMs ?? DEFAULT_ADD_TIMEOUT_MS[type] ?? 0;
  switch (type) {
    case 'file':
      e.exists = need('exists');
      for (const a of ['mode', 'owner', 'group', 'linked-to', 'filetype']) opt(a);
      e.contents = [];
      break;
    case 'user':
      e.exists = val(facts, 'exists') ?? false;
      for (const a of ['uid', 'gid', 'groups', 'home', 'shell']) opt(a);
      break;
    case 'group':
      e.exists = val(facts, 'exists') ?? false;
      opt('gid');
      break;
    case 'package':
      e.installed = val(facts, 'installed') ?? false;
      opt('versions');
      break;
    case 'port':
      e.listening = val(facts, 'listening') ?? false;
      opt('ip');
      break;
    case 'service':
      e.enabled = need('enabled');
      e.running = need('running');
      break;
    case 'process':
      e.running = need('running');
      break;
    case 'command': {
      e['exit-status'] = need('exit-status');
      const lines = (attr: string) => (excluded(attr) ? [] : readerToSlice(text(need(attr))));
      const out = lines('stdout');
      const errs = lines('stderr');
      e.stdout = out.length > 0 ? out : '';
      e.stderr = errs.length > 0 ? errs : '';
      e.timeout = t;
      break;
    }
    case 'addr':
      e.reachable = val(facts, 'reachable') ?? false;
      e.timeout = t;
      break;
    case 'dns':
      e.resolvable = val(facts, 'resolvable') ?? false;
      opt('addrs');
      e.timeout = t;
      if (opts.server) e.server = opts.server;
      break;
    case 'kernel-param':
      e.value = need('value');
      break;
    case 'mount':
      e.exists = val(facts, 'exists') ?? false;
      for (const a of ['opts', 'vfs-opts', 'source', 'filesystem']) opt(a);
      e.timeout = t;
      break;
    case 'interface':
      e.exists = val(facts, 'exists') ?? false;
      opt('addrs');
      opt('mtu');
      break;
    case 'http':
      e.status = need('status');
      e['allow-insecure'] = Boolean(opts.insecure);
      e['no-follow-redirects'] = Boolean(opts.noFollowRedirects);
      e.timeout = t;
      e.body = [];
      if (opts.username) e.username = opts.username;
      if (opts.password) e.password = opts.password;
      if (opts.proxy) e.proxy = opts.proxy;
      break;
  }
  return e;
}

/** Section a goss add type writes to. */
export function sectionOf(type: AddType): string {
  return type === 'goss' ? 'gossfile' : type;
}

/** `add TYPE NAME…`: every name observed in one collection, in the order given. */
export async function addResources(
  type: AddType,
  names: readonly string[],
  transport: Transport,
  opts: AddOptions = {},
): Promise<Added[]> {
  if (type === 'goss') return names.map((n) => ({ section: 'gossfile', key: n, entry: {} }));
  const specs = names.map((n) => observeSpec(type, addKey(type, n), opts));
  for (const s of specs) {
    const def = RESOURCES[s.type];
    const problem = def.check?.(effectiveSpec(def, s));
    if (problem) throw new AddError(problem, 'bad-input');
  }
  const facts = await observe(specs, transport, opts.settings);
  return specs.map((s, i) => ({ section: type, key: s.key, entry: entryFor(type, s.key, facts[i]!, opts) }));
}

/** The kernel keeps 15 characters of a process name. */
const COMM_LENGTH = 15;

/**
 * The socket inodes of every process named NAME, then the kernel's socket tables: how goss's
 * autoadd finds the ports a process listens on (GOnetstat with pids). Reading other users'
 * /proc/PID/fd needs root, as in goss.
 */
function processSocketsSh(name: string): string {
  return [
    `_n=${shQuote(name.slice(0, COMM_LENGTH))}`,
    'for _p in /proc/[0-9]*; do',
    '  _c=; { IFS= read -r _c <"$_p/comm"; } 2>/dev/null || continue',
    '  [ "$_c" = "$_n" ] || continue',
    '  for _f in "$_p"/fd/*; do _l=$(readlink "$_f" 2>/dev/null) || continue',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
    '    case $_l in socket:*) _l=${_l#socket:[}; echo "inode ${_l%]}";; esac; done',
    'done',
    'for _t in tcp tcp6 udp udp6; do echo "table $_t"; cat "/proc/net/$_t" 2>/dev/null; done',
  ].join('\n');
}

type Table = 'tcp' | 'tcp6' | 'udp' | 'udp6';

/** `PROTO:PORT` keys of the sockets with these inodes (tcp ones listening, udp ones bound), sorted. */
export function portsOfInodes(probe: string): { key: string; ip: string[] }[] {
  const inodes = new Set<string>();
  const tables = new Map<Table, string[]>();
  let table: Table | undefined;
  for (const line of probe.split('\n')) {
    const m = /^(inode|table) (\S+)$/.exec(line);
    if (m?.[1] === 'inode') inodes.add(m[2]!);
    else if (m?.[1] === 'table') {
      table = m[2] as Table;
      tables.set(table, []);
    } else if (table) tables.get(table)!.push(line);
  }
  const found = new Map<string, { key: string; ip: string[] }>();
  for (const [t, lines] of tables) {
    for (const line of lines.slice(1)) {
      const f = line.trim().split(/\s+/);
      if (!inodes.has(f[9] ?? '')) continue;
      if (t.startsWith('tcp') && f[3] !== '0A') continue;
      const port = Number.parseInt((f[1] ?? '').split(':')[1] ?? '', 16);
      if (!Number.isInteger(port)) continue;
      const key = `${t}:${port}`;
      // As goss, the port resource then reports every address bound to that port.
      const ip = listeningIps(lines.join('\n'), t, port);
      if (ip.length > 0) found.set(key, { key, ip });
    }
  }
  return [...found.values()];
}

/**
 * `autoadd NAME…`: goss's AutoAddResource — a file when the name has a `/`, then group,
 * package, port, process (and the ports it listens on), service and user, each only when it
 * exists on the target. One collection per name.
 */
export async function autoAddResources(
  names: readonly string[],
  transport: Transport,
  settings: PlanSettings = {},
): Promise<Added[]> {
  const added: Added[] = [];
  for (const name of names) {
    const candidates: { type: Exclude<AddType, 'goss'>; spec: ResourceSpec }[] = [];
    const consider = (type: Exclude<AddType, 'goss'>) => {
      const s = observeSpec(type, addKey(type, name), {});
      const def = RESOURCES[s.type];
      if (!def.check?.(effectiveSpec(def, s))) candidates.push({ type, spec: s });
    };
    if (name.includes('/')) consider('file');
    for (const t of ['group', 'package', 'port', 'process', 'service', 'user'] as const) consider(t);
    const serviceName = /^[A-Za-z0-9@_.:+\\-]+$/.test(name) && !/^\.\.?$/.test(name) ? name : undefined;
    // What goss asks to decide a service exists: systemd's unit files, else an init script.
    const probes: ResourceSpec[] = [
      spec('file', '/run/systemd/system', { exists: true }),
      spec('command', 'systemctl', {
        exec: 'systemctl -q list-unit-files --type=service 2>/dev/null',
        'exit-status': true,
        stdout: true,
      }),
      spec('file', serviceName ? `/etc/init.d/${serviceName}` : '/nonexistent/', { exists: true }),
      spec('command', 'sockets', {
        exec: processSocketsSh(name),
        'exit-status': true,
        stdout: true,
        timeout: 20_000,
      }),
    ];
    const facts = await observe([...candidates.map((c) => c.spec), ...probes], transport, settings);
    const probe = facts.slice(candidates.length);
    const systemd = val(probe[0]!, 'exists') === true;
    const units = text(val(probe[1]!, 'stdout'));
    const initScript = val(probe[2]!, 'exists') === true;
    const serviceExists =
      serviceName !== undefined &&
      ((systemd && units.split(/\s+/).includes(`${serviceName}.service`)) || initScript);
    candidates.forEach((c, i) => {
      const f = facts[i]!;
      const exists =
        c.type === 'service'
          ? serviceExists
          : val(
              f,
              {
                file: 'exists',
                group: 'exists',
                user: 'exists',
                package: 'installed',
                port: 'listening',
                process: 'running',
              }[c.type as 'file'] ?? '',
            ) === true;
      if (!exists) return;
      added.push({ section: c.type, key: c.spec.key, entry: entryFor(c.type, c.spec.key, f, {}) });
      if (c.type === 'process') {
        for (const p of portsOfInodes(text(val(probe[3]!, 'stdout'))))
          added.push({ section: 'port', key: p.key, entry: { listening: true, ip: p.ip } });
      }
    });
  }
  return added;
}
