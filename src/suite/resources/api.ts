import type { Duplex } from 'node:stream';
import type { BatchKind } from '../batch.js';
import type { Frames } from '../frames.js';
import { MAX_OUTPUT_BYTES } from '../limits.js';
import type { Fact } from '../matchers/api.js';
import type { ResourceSpec, ResourceType } from '../model.js';

/**
 * What one goss resource type knows: how to collect its facts with POSIX shell (planned into
 * the one collector script) and how to turn the collected frames into facts per attribute.
 * Matchers are evaluated elsewhere (src/suite/run.ts), uniformly for every type.
 */

/** A collected fact for one attribute, or why it could not be collected (goss's `err`). */
export type AttrFact = { value: Fact } | { error: string };

export interface Attribute {
  /** Key as written in the gossfile. */
  key: string;
  /** Property name goss reports (`linkedto`, `Body`, …) when it differs from the key. */
  property?: string;
  /**
   * goss checks this attribute only when its expectation is non-empty (its isSet: command
   * stdout/stderr, file contains/contents, http headers/body); every other attribute is checked
   * whenever it is written, `[]` included.
   */
  emptyListUnset?: true;
}

/** goss's --package values. */
export type PackageType = 'apk' | 'deb' | 'pacman' | 'rpm';

export interface PlanSettings {
  /** Ask this package manager only, as goss's --package does; unset: the first one found. */
  packageType?: PackageType;
}

export interface PlanBuilder {
  /** Shell run in order by the collector's main shell; must be quick and non-blocking. */
  inline(sh: string): void;
  /**
   * Shell that may block (user commands, network); runs in one of the parallel lanes.
   * `budgetMs` bounds how long it can take, so the whole script gets an honest deadline.
   */
  parallel(sh: string, budgetMs: number): void;
  /**
   * A probe several resources share (the package database, /proc/net/*): emitted once per
   * script however many resources ask; its frames use `sharedId(name)`.
   */
  shared(name: string, sh: string): void;
  /**
   * A fact gathered for all resources at once with one target command per kind (see
   * src/suite/batch.ts); it arrives as a frame under this resource's own `id`.
   */
  batch(kind: BatchKind, id: string, item: string): void;
  /** Run-wide settings from the command line (goss's --package). */
  readonly settings: PlanSettings;
}

export interface ResourceDef {
  readonly type: ResourceType;
  /** Validated first; false, failed or errored skips every other attribute (goss's shouldSkip). */
  readonly gate?: string;
  /**
   * The attribute goss validates whether or not it is written (file `exists`, command
   * `exit-status`, …); left out, it fails with "Syntax Error: Missing required attribute".
   */
  readonly required?: string;
  /** Expectation attributes, in the order goss validates them. */
  readonly attributes: readonly Attribute[];
  /** Keys that configure collection rather than assert anything (`timeout`, `exec`, `server`…). */
  readonly options: readonly string[];
  /**
   * goss's key-override attribute (file `path`, user `username`, …): when set, it names what is
   * checked and the key is only a label; goss's resource-id becomes `KEY: OVERRIDE`.
   */
  readonly keyAttr?: string;
  /** Why the (effective) key cannot be checked safely, e.g. a name that would read as an option. */
  check?(spec: ResourceSpec): string | undefined;
  /** Emit the shell that collects this resource's facts; frames use `id`. */
  plan(spec: ResourceSpec, id: string, plan: PlanBuilder): void;
  /** Facts for every attribute the spec asserts, from the parsed frames. */
  facts(spec: ResourceSpec, id: string, frames: Frames): Record<string, AttrFact>;
  /**
   * Facts imagegate gathers itself over streams the transport opens on the target (HTTP, DNS),
   * used instead of plan/facts when the transport can connect: no tools needed in the target.
   */
  direct?(spec: ResourceSpec, target: DirectTarget): Promise<Record<string, AttrFact>>;
  /** Whether `direct` applies to this spec (default: always, when the transport can connect). */
  directFor?(spec: ResourceSpec): boolean;
}

/** What a direct check may use on the target. */
export interface DirectTarget {
  /** A TCP stream from the target's point of view. */
  connect(host: string, port: number, timeoutMs: number): Promise<Duplex>;
  /** A small text file on the target (certificates the suite names), or an error. */
  readFile(path: string): Promise<string>;
  /**
   * These environment variables as a command run on the target sees them (where goss would run);
   * unset and empty ones are left out. Asked once per run.
   */
  env(names: readonly string[]): Promise<Record<string, string>>;
}

/** Frame id used by a shared probe's frames. */
export function sharedId(name: string): string {
  return `_${name}`;
}

export function option<T>(spec: ResourceSpec, key: string, fallback: T): T {
  const v = spec.attrs[key];
  return v === undefined || v === null ? fallback : (v as T);
}

export function stringOption(spec: ResourceSpec, key: string): string | undefined {
  const v = spec.attrs[key];
  if (v === undefined || v === null || v === '') return undefined;
  return String(v);
}

export function value(v: Fact): AttrFact {
  return { value: v };
}

export function failure(error: string): AttrFact {
  return { error };
}

/** Same fact (or error) for every listed attribute. */
export function allAttrs(keys: readonly string[], fact: AttrFact): Record<string, AttrFact> {
  return Object.fromEntries(keys.map((k) => [k, fact]));
}

/** Split text into lines the way goss reads a stream (a trailing newline ends, not adds, a line). */
export function toLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The failure for an output the collector cut at MAX_OUTPUT_BYTES (it keeps one byte more), or
 * undefined when the output is whole.
 */
export function oversized(what: string, bytes: Buffer | undefined): AttrFact | undefined {
  if (bytes === undefined || bytes.length <= MAX_OUTPUT_BYTES) return undefined;
  return failure(
    `${what} is larger than imagegate's limit of ${MAX_OUTPUT_BYTES} bytes per check and was not read in full (see docs/suites.md#limits)`,
  );
}

/** The spec with `key` replaced by goss's key-override attribute when one is set. */
export function effectiveSpec(def: ResourceDef, spec: ResourceSpec): ResourceSpec {
  const v = def.keyAttr ? spec.attrs[def.keyAttr] : undefined;
  if (v === undefined || v === null || v === '') return spec;
  return { ...spec, key: String(v) };
}

/** goss's ID(): the key, or `KEY: OVERRIDE` when a key-override attribute names something else. */
export function resourceIdOf(def: ResourceDef, spec: ResourceSpec): string {
  const target = effectiveSpec(def, spec).key;
  return target !== spec.key && def.keyAttr !== 'exec' ? `${spec.key}: ${target}` : spec.key;
}

/** A name passed to a target command as an argument must not read as an option or a path. */
export function checkName(what: string, name: string): string | undefined {
  if (name === '') return `${what} is empty`;
  if (name.startsWith('-')) return `${what} "${name}" begins with "-" and would be read as an option`;
  if (/[/\s\0]/.test(name) || name === '.' || name === '..')
    return `${what} "${name}" may not contain "/" or whitespace`;
  return undefined;
}
