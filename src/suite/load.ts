import { createHash } from 'node:crypto';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { UserError } from '../core/errors.js';
import { readTextCapped } from '../core/fs.js';
import { loadSchema } from '../core/schema-check.js';
import { MAX_YAML_BYTES, parseYamlText, type YamlFile } from '../core/yaml-document.js';
import { SuiteError } from './errors.js';
import { renderTemplate, type TemplateData } from './go-template.js';
import { compile } from './matchers/compile.js';
import { MatchError } from './matchers/core.js';
import { havePatterns } from './matchers/patterns.js';
import type { ResourceSpec, ResourceType, Suite } from './model.js';
import { effectiveSpec } from './resources/api.js';
import { RESOURCES } from './resources/index.js';
import { checkedAttributes } from './run.js';

export interface LoadOptions {
  /** `--vars FILE` (repeatable): YAML or JSON maps, merged key by key, later files winning. */
  vars?: string[];
  /** `--vars-inline`: a JSON or YAML map that wins over the files. */
  varsInline?: string;
  /** Environment for `{{.Env.X}}` and `getEnv` (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** The text of `-g -` (goss reads the suite from standard input; includes resolve from the cwd). */
  stdin?: string;
}

/** `-g -`: where the suite read from standard input is said to live (its includes' base). */
const STDIN = '-';

const BUILTIN_PREFIX = 'builtin:';
const suitesDir = fileURLToPath(new URL('../../suites/', import.meta.url));

/** The resource registry is the one list of types; the loader reads it, never a copy. */
const RESOURCE_TYPES = Object.keys(RESOURCES) as ResourceType[];
const SPECIAL_KEYS = new Set(['title', 'meta', 'skip']);
/** Attributes goss reads line by line (io.Reader): a bare list there is line patterns. */
const LINE_ATTRS = new Set([
  'file.contents',
  'file.contains',
  'command.stdout',
  'command.stderr',
  'http.body',
]);

/** Resolve `builtin:NAME` to the packaged suite, anything else to an absolute path. */
export function resolveSuitePath(file: string): string {
  if (file.startsWith(BUILTIN_PREFIX)) {
    const name = file.slice(BUILTIN_PREFIX.length);
    const path = resolve(suitesDir, `${name}.yaml`);
    if (!/^[a-z0-9][a-z0-9-]*$/.test(name) || !existsSync(path)) {
      const known = listBuiltinSuites();
      throw new SuiteError(
        `${file}: no such built-in suite (available: ${known.length ? known.map((k) => `builtin:${k}`).join(', ') : 'none'})`,
      );
    }
    return path;
  }
  return resolve(file);
}

export function listBuiltinSuites(): string[] {
  try {
    return readdirSync(suitesDir)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.slice(0, -'.yaml'.length))
      .sort();
  } catch {
    return [];
  }
}

/** Read `--vars` files and `--vars-inline` into one map (goss: top-level keys, later wins). */
export function loadVars(files: string[] = [], inline?: string): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  for (const f of files) {
    const text = wrapYamlErrors(() => readTextCapped(f, MAX_YAML_BYTES, 78, 'vars file'));
    const doc = wrapYamlErrors(() => parseYamlText(f, text, 78));
    Object.assign(vars, asVarsMap(doc.data, `${f}`));
  }
  if (inline !== undefined && inline.trim() !== '') {
    const doc = wrapYamlErrors(() => parseYamlText('--vars-inline', inline, 78));
    Object.assign(vars, asVarsMap(doc.data, '--vars-inline'));
  }
  return vars;
}

function asVarsMap(data: unknown, where: string): Record<string, unknown> {
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new SuiteError(
      `${where}: vars must be a map of names to values (got ${Array.isArray(data) ? 'a list' : typeof data})`,
    );
  }
  return data as Record<string, unknown>;
}

function wrapYamlErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof UserError && !(err instanceof SuiteError)) throw new SuiteError(err.message);
    throw err;
  }
}

let validator: ValidateFunction | undefined;
/**
 * The schema check, generated ahead of time by scripts/gen-suite-validator.mjs (ajv standalone
 * code): compiling schemas/goss.schema.json with ajv at run time cost 0.3–1 s per process. The
 * generated copy accepts any value where a matcher goes: matchers are checked by compiling them
 * (checkMatchers), with better messages.
 */
function gossValidator(): ValidateFunction {
  validator ??= createRequire(import.meta.url)(
    '../../schemas/goss.validate.generated.cjs',
  ) as ValidateFunction;
  return validator;
}

interface LoadState {
  data: TemplateData;
  hash: ReturnType<typeof createHash>;
  resources: Map<string, ResourceSpec>;
  warnings: string[];
  validate: ValidateFunction;
  /** Real paths of the files being loaded, outermost first, for cycle detection. */
  stack: string[];
  /** Values templates took from this machine (readFile, .Env), kept out of messages. */
  hostValues: Map<string, string>;
  /** Display name for the top-level file (keeps `builtin:NAME` readable). */
  display: (abs: string) => string;
  /** The suite read from standard input, with the path it stands at. */
  stdin?: { path: string; text: string };
}

/**
 * Load a gossfile: render templates with vars and env, parse YAML/JSON, validate against
 * schemas/goss.schema.json, check every matcher, follow `gossfile` includes. Throws SuiteError
 * (exit 78) naming file, line and key.
 */
export async function loadSuite(file: string, opts: LoadOptions = {}): Promise<Suite> {
  if (file === STDIN && opts.stdin === undefined) throw new SuiteError('-g -: standard input was not read');
  const top = file === STDIN ? resolve(STDIN) : resolveSuitePath(file);
  const vars = loadVars(opts.vars, opts.varsInline);
  const env = opts.env ?? process.env;
  const isBuiltin = file.startsWith(BUILTIN_PREFIX);
  const state: LoadState = {
    data: { Vars: vars, Env: env },
    hash: createHash('sha256'),
    stdin: file === STDIN ? { path: top, text: opts.stdin ?? '' } : undefined,
    resources: new Map(),
    warnings: [],
    hostValues: new Map(),
    validate: gossValidator(),
    stack: [],
    display: (abs) => {
      if (file === STDIN && abs === top) return 'stdin';
      if (isBuiltin && dirname(abs) === resolve(suitesDir))
        return `builtin:${abs.slice(resolve(suitesDir).length + 1, -5)}`;
      const rel = relative(process.cwd(), abs);
      return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs;
    },
  };
  try {
    await loadFile(top, state);
  } catch (err) {
    if (err instanceof UserError) throw new SuiteError(redactHostValues(err.message, state.hostValues));
    throw err;
  }
  state.warnings = state.warnings.map((w) => redactHostValues(w, state.hostValues));
  // goss refuses a suite without tests ("found 0 tests"); a suite whose every key is misspelt or
  // left empty would otherwise pass and promote an image nobody checked.
  const resources = [...state.resources.values()];
  if (!resources.some((r) => checkedAttributes(r).length > 0)) {
    throw new SuiteError(
      `${state.display(top)}:1: found 0 tests, source: ${file} (a suite must assert something; check the resource keys and attributes)`,
    );
  }
  return {
    name: file,
    digest: state.hash.digest('hex'),
    resources,
    warnings: state.warnings,
  };
}

async function loadFile(abs: string, state: LoadState, from?: string): Promise<void> {
  const name = state.display(abs);
  let real: string;
  let text: string;
  if (state.stdin && abs === state.stdin.path && from === undefined) {
    real = abs;
    text = state.stdin.text;
    if (text.includes('\u0000')) throw new SuiteError(`${name}: contains a NUL byte; a suite is text`);
  } else {
    real = realFile(abs, name, from);
    text = readSuiteText(real, name, from);
  }
  if (state.stack.includes(real)) {
    const chain = [...state.stack.slice(state.stack.indexOf(real)), real]
      .map((p) => state.display(p))
      .join(' -> ');
    throw new SuiteError(`${from ?? name}: gossfile include cycle: ${chain} (remove one of these includes)`);
  }
  state.stack.push(real);

  const rendered = renderTemplate(text, name, state.data, {
    cwd: process.cwd(),
    maxBytes: MAX_YAML_BYTES,
    onHostValue: (source, value) => state.hostValues.set(value, source),
  });
  // Positions below refer to the rendered text, which is the source itself unless templates ran.
  const label = rendered === text ? name : `${name} (rendered)`;
  const buf = Buffer.from(rendered);
  state.hash.update(`${buf.length}\n`);
  state.hash.update(buf);

  const yaml = wrapYamlErrors(() => parseYamlText(label, rendered, 78));
  for (const w of yaml.warnings) state.warnings.push(`${label}:${w.line}:${w.column}: ${w.message}`);
  checkMatchers(yaml, label);
  const doc = assertSuite(state.validate, yaml, label);

  for (const type of RESOURCE_TYPES) {
    const entries = doc?.[type];
    if (!entries) continue;
    for (const [key, raw] of Object.entries(entries)) {
      const body = (raw ?? {}) as Record<string, unknown>;
      const attrs: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(body)) if (!SPECIAL_KEYS.has(k)) attrs[k] = v;
      // goss reads `exec: true` as the text "true" (YAML scalars decode into its string field).
      if (type === 'command' && (typeof attrs.exec === 'boolean' || typeof attrs.exec === 'number')) {
        attrs.exec = String(attrs.exec);
      }
      // goss: "Backwards compatibility hack" — dns.resolveable stands in for resolvable.
      if (type === 'dns' && attrs.resolvable == null && attrs.resolveable != null)
        attrs.resolvable = attrs.resolveable;
      delete attrs.resolveable;
      const line = yaml.locate(`/${type}/${escapePointer(key)}`).line;
      const spec: ResourceSpec = {
        type,
        key,
        attrs,
        title: typeof body.title === 'string' ? body.title : '',
        meta: (body.meta as Record<string, unknown> | null | undefined) ?? null,
        skip: body.skip === true,
        source: { file: label, line },
      };
      const def = RESOURCES[type];
      const unsafe = def.check?.(effectiveSpec(def, spec));
      if (unsafe) throw new SuiteError(`${label}:${line}: invalid gossfile: ${type}.${key}: ${unsafe}`);
      const id = `${type}\u0000${key}`;
      const prev = state.resources.get(id);
      if (prev) {
        // The same file included twice (goss's own suite does) redefines nothing: no warning.
        if (prev.source.file !== label || prev.source.line !== line)
          state.warnings.push(
            `${label}:${line}: ${type} "${key}" is also defined at ${prev.source.file}:${prev.source.line}; the last definition wins (as in goss)`,
          );
        state.resources.delete(id);
      }
      state.resources.set(id, spec);
    }
  }

  // goss merges includes in sorted key order, later files winning, and never reads a skipped
  // one (so a skipped include may name a file that does not exist).
  const includes = Object.entries(doc?.gossfile ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [pattern, raw] of includes) {
    const opts = (raw ?? {}) as { file?: string; skip?: boolean };
    if (opts.skip === true) continue;
    const line = yaml.locate(`/gossfile/${escapePointer(pattern)}`).line;
    const where = `${label}:${line}`;
    const target = opts.file ?? pattern;
    const base = dirname(real);
    // tinyglobby (with picomatch) loads only for suites that include others.
    const { glob, isDynamicPattern } = await import('tinyglobby');
    const paths = isDynamicPattern(target)
      ? (await glob(target, { cwd: base, absolute: true, onlyFiles: true })).sort()
      : [resolve(base, target)];
    if (paths.length === 0)
      throw new SuiteError(
        `${where}: gossfile "${target}": no matched files were found (as goss, an include must match)`,
      );
    for (const p of paths) await loadFile(p, state, where);
  }
  state.stack.pop();
}

function realFile(abs: string, name: string, from: string | undefined): string {
  try {
    return realpathSync(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new SuiteError(`${from ? `${from}: gossfile ` : ''}${name}: cannot read: ${code}`);
  }
}

function readSuiteText(real: string, name: string, from: string | undefined): string {
  try {
    return readTextCapped(real, MAX_YAML_BYTES, 78);
  } catch (err) {
    // Name the file as the user wrote it (and the including line), never its content.
    const why = err instanceof UserError ? err.message.slice(real.length + 2) : String(err);
    throw new SuiteError(`${from ? `${from}: gossfile ` : ''}${name}: ${why}`);
  }
}

/**
 * Replace text a template read from this machine (a `readFile`d file, an environment value)
 * with a placeholder naming where it came from: a suite may read host files, but errors and
 * warnings must never print their content (lines of /etc/shadow as "unknown key" warnings).
 */
export function redactHostValues(message: string, values: ReadonlyMap<string, string>): string {
  const pieces: { text: string; source: string }[] = [];
  for (const [value, source] of values) {
    for (const piece of [value, ...value.split('\n')]) {
      const text = piece.trim();
      if (text.length >= 4) pieces.push({ text, source });
    }
  }
  pieces.sort((a, b) => b.text.length - a.text.length);
  let out = message;
  for (const p of pieces) out = out.split(p.text).join(`<text from ${p.source}>`);
  return out;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

type SchemaProps = Record<
  string,
  { additionalProperties?: { properties?: Record<string, { $ref?: string; anyOf?: { $ref?: string }[] }> } }
>;
let shippedProps: SchemaProps | undefined;
function schemaProperties(): SchemaProps {
  shippedProps ??= (loadSchema('goss.schema.json') as { properties: SchemaProps }).properties;
  return shippedProps;
}

/** Attributes whose values are matchers, per resource type, read from the shipped schema. */
let matcherAttrs: Map<string, Set<string>> | undefined;
function matcherAttributes(): Map<string, Set<string>> {
  if (matcherAttrs) return matcherAttrs;
  matcherAttrs = new Map();
  for (const [type, def] of Object.entries(schemaProperties())) {
    const props = def.additionalProperties?.properties ?? {};
    const names = Object.entries(props)
      .filter(([, p]) => p.$ref === '#/$defs/matcher' || p.anyOf?.some((a) => a.$ref === '#/$defs/matcher'))
      .map(([k]) => k);
    matcherAttrs.set(type, new Set(names));
  }
  return matcherAttrs;
}

/**
 * Compile every expectation once at load time, so a misspelt matcher or a bad regexp stops the
 * suite with file:line:key instead of surfacing as a failed check on the target.
 */
function checkMatchers(yaml: YamlFile, label: string): void {
  const data = yaml.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return;
  for (const [type, entries] of Object.entries(data as Record<string, unknown>)) {
    const attrs = matcherAttributes().get(type);
    if (!attrs || typeof entries !== 'object' || entries === null) continue;
    for (const [key, body] of Object.entries(entries as Record<string, unknown>)) {
      if (typeof body !== 'object' || body === null) continue;
      for (const [attr, expected] of Object.entries(body as Record<string, unknown>)) {
        if (!attrs.has(attr)) continue;
        try {
          if (Array.isArray(expected) && LINE_ATTRS.has(`${type}.${attr}`)) havePatterns(expected);
          else compile(expected);
        } catch (err) {
          if (!(err instanceof MatchError)) throw err;
          const pointer = `/${type}/${escapePointer(key)}/${attr}`;
          const { line, column } = yaml.locate(pointer);
          throw new SuiteError(
            `${label}:${line}:${column}: invalid gossfile: ${type}.${key}.${attr}: ${err.message}`,
          );
        }
      }
    }
  }
}

type GossDoc = Record<string, Record<string, unknown>> | null;

/**
 * Schema check. goss refuses a gossfile with an attribute its resource does not have
 * (util.ValidateSections: "invalid Attribute for File:/etc/passwd: colour"), and a misspelt
 * key would otherwise check nothing, so an unknown attribute or resource type is an error
 * naming file:line:col and the closest known name; so is anything else the schema rejects.
 */
function assertSuite(validate: ValidateFunction, yaml: YamlFile, label: string): GossDoc {
  if (validate(yaml.data)) return yaml.data as GossDoc;
  const errors = [...(validate.errors ?? [])];
  const unknown = errors
    .filter((e) => e.keyword === 'additionalProperties')
    .map((e) => {
      const extra = String((e.params as { additionalProperty: unknown }).additionalProperty);
      const pointer = `${e.instancePath}/${escapePointer(extra)}`;
      return { pointer, ...yaml.locate(pointer) };
    })
    .sort((a, b) => a.line - b.line || a.column - b.column)[0];
  if (unknown) {
    const path = decodePointer(unknown.pointer);
    // An included file that is not a gossfile (gossfile: /etc/app.conf) must not be echoed: an
    // unknown top-level key is quoted only when it is a near miss of a resource type name.
    const shown =
      path.length === 1 && hint(path[0]!, [...RESOURCE_TYPES, 'gossfile']) === ''
        ? 'a top-level key'
        : path.join('.');
    throw new SuiteError(
      `${label}:${unknown.line}:${unknown.column}: invalid gossfile: ${shown}: ${unknownKey(path)}`,
    );
  }
  errors.sort((a, b) => depth(b) - depth(a));
  const err = errors.find((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf') ?? errors[0]!;
  const { line, column } = yaml.locate(err.instancePath);
  const path = decodePointer(err.instancePath);
  const key = path.length ? path.join('.') : '(top level)';
  let value: unknown = yaml.data;
  for (const part of path)
    value =
      value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  throw new SuiteError(`${label}:${line}:${column}: invalid gossfile: ${key}: ${describeError(err, value)}`);
}

function decodePointer(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function depth(e: ErrorObject): number {
  return e.instancePath.split('/').length;
}

function unknownKey(path: string[]): string {
  if (path.length === 1) {
    const known = [...RESOURCE_TYPES, 'gossfile'];
    return `unknown resource type${hint(path[0]!, known)} (known: ${known.join(', ')})`;
  }
  const known = Object.keys(schemaProperties()[path[0]!]?.additionalProperties?.properties ?? {});
  return `unknown attribute for ${path[0]}${hint(path[path.length - 1]!, known)}`;
}

/** ` (did you mean "exists"?)` for a near miss (edit distance at most 2, or a cut-short name). */
function hint(word: string, known: string[]): string {
  const prefix = word.length >= 3 ? known.find((k) => k.startsWith(word)) : undefined;
  if (prefix) return ` (did you mean "${prefix}"?)`;
  const best = known.map((k) => ({ k, d: editDistance(word, k) })).sort((a, b) => a.d - b.d)[0];
  return best && best.d <= 2 ? ` (did you mean "${best.k}"?)` : '';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

function describeError(e: ErrorObject, value: unknown): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'type': {
      // `installed true` under a resource: YAML reads one text where `key: value` was meant.
      const word = typeof value === 'string' ? /^([A-Za-z][\w-]*)\s+\S/.exec(value)?.[1] : undefined;
      if (word && String(p.type).includes('object'))
        return `must be object: it reads as text; is a ":" missing after "${word}"?`;
      return `must be ${String(p.type).replace(/,/g, ' or ')}`;
    }
    default:
      return e.message ?? e.keyword;
  }
}
