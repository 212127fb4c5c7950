import { buildCollector, type CollectItem, DONE_ID, parseCollected } from './collector.js';
import { Frames } from './frames.js';
import type { MatcherOutcome } from './matchers/api.js';
import { evaluateMatcher } from './matchers/index.js';
import type { ResourceSpec, Suite } from './model.js';
import { type Phase, phaseSkipReason } from './phase.js';
import { shQuote } from './quote.js';
import {
  type AttrFact,
  type Attribute,
  type DirectTarget,
  effectiveSpec,
  type PlanSettings,
  resourceIdOf,
} from './resources/api.js';
import { RESOURCES } from './resources/index.js';
import type { SuiteRun, TestResult } from './result.js';
import { gossTypeName, summaryLine } from './summary-line.js';
import type { Transport } from './transport.js';

export interface RunOptions {
  /** goss --retry-timeout: keep re-collecting what failed until it passes or this elapses. */
  retryTimeoutMs?: number;
  /** goss --sleep between retries (default 1 s). */
  sleepMs?: number;
  /** Parallel lanes for commands and network checks (default 50). */
  maxConcurrent?: number;
  /** Run-wide plan settings (goss's --package). */
  settings?: PlanSettings;
  /** Called before each collection after the first, for progress output. */
  onRetry?: (attempt: number, failing: number) => void;
  /**
   * Where the suite runs: `boot` (test/gate) skips live-only checks, `live` (drift) skips
   * boot-only ones, each reported as skipped with the reason; unset (validate) runs every check.
   */
  phase?: Phase;
}

export interface RunOutcome {
  run: SuiteRun;
  /** Transport round trips used (1 per collection). */
  execs: number;
  /** True when --retry-timeout ran out with failures left. */
  timedOut: boolean;
}

/** The collector could not run to the end on the target: not a test failure, an error. */
export class CollectError extends Error {
  override name = 'CollectError';
}

const DEFAULT_SLEEP_MS = 1_000;

/**
 * Run suites against one target: collect every fact in one transport round trip, evaluate
 * every matcher locally, and with a retry timeout re-collect only the resources that failed.
 */
export async function runSuites(
  suites: Suite[],
  transport: Transport,
  opts: RunOptions = {},
): Promise<RunOutcome> {
  const started = process.hrtime.bigint();
  const reasons = new Map<string, string>();
  const items: CollectItem[] = suites
    .flatMap((s) => s.resources)
    .map((spec, i) => {
      const id = `r${i}`;
      const reason = phaseSkipReason(spec, opts.phase);
      if (reason === undefined) return { id, spec };
      reasons.set(id, reason);
      return { id, spec: { ...spec, skip: true } };
    });
  const results = new Map<string, TestResult[]>();
  let execs = 0;
  let pending = items;
  const deadline = Date.now() + (opts.retryTimeoutMs ?? 0);
  // Asked only when a check could use it: a transport may probe the machine to answer.
  const target = items.some((it) => usesDirect(it.spec)) ? directTarget(transport) : undefined;
  for (let attempt = 1; ; attempt++) {
    const live = pending.filter((it) => !it.spec.skip && it.spec.type !== 'matching');
    const direct = target ? live.filter((it) => usesDirect(it.spec)) : [];
    const toCollect = live.filter((it) => !direct.includes(it));
    // Direct checks (HTTP over the transport's streams) run while the collector script runs.
    const [frames, directFacts] = await Promise.all([
      toCollect.length > 0 ? collect(toCollect, transport, opts) : Promise.resolve(null),
      directChecks(direct, target, opts.maxConcurrent ?? 50),
    ]);
    if (frames) execs++;
    for (const item of pending) {
      const evaluated = evaluateResource(
        item.spec,
        directFacts.get(item.id) ?? (frames ? factsOf(item.spec, item.id, frames) : localFacts(item)),
      );
      const reason = reasons.get(item.id);
      results.set(
        item.id,
        reason === undefined
          ? evaluated
          : evaluated.map((r) => ({ ...r, 'summary-line': `${r['summary-line']} (${reason})` })),
      );
    }
    pending = items.filter((it) => results.get(it.id)!.some((r) => r.result === 1));
    const sleepMs = opts.sleepMs ?? DEFAULT_SLEEP_MS;
    if (pending.length === 0 || !opts.retryTimeoutMs || Date.now() + sleepMs > deadline) break;
    await new Promise((r) => setTimeout(r, sleepMs));
    opts.onRetry?.(attempt + 1, pending.length);
  }
  const all = items.flatMap((it) => results.get(it.id)!);
  const total = Number(process.hrtime.bigint() - started);
  const failed = all.filter((r) => r.result === 1).length;
  const skipped = all.filter((r) => r.result === 2).length;
  return {
    run: {
      results: all,
      summary: {
        'test-count': all.length,
        'failed-count': failed,
        'skipped-count': skipped,
        'total-duration': total,
        'summary-line': `Count: ${all.length}, Failed: ${failed}, Skipped: ${skipped}, Duration: ${(total / 1e9).toFixed(3)}s`,
      },
    },
    execs,
    timedOut: Boolean(opts.retryTimeoutMs) && pending.length > 0,
  };
}

function usesDirect(spec: ResourceSpec): boolean {
  const def = RESOURCES[spec.type];
  return def.direct !== undefined && (def.directFor?.(effectiveSpec(def, spec)) ?? true);
}

/** The transport's streams, when it has them, for resources that speak their protocol themselves. */
export function directTarget(transport: Transport): DirectTarget | undefined {
  const connect = transport.connect?.bind(transport);
  if (!connect) return undefined;
  const envs = new Map<string, Promise<Record<string, string>>>();
  return {
    connect,
    readFile: async (path) => {
      const r = await transport.exec(`cat -- ${shQuote(path)}`, { timeoutMs: 10_000 });
      if (r.exitCode !== 0) throw new Error(`open ${path}: ${r.stderr.trim() || 'cannot read'}`);
      return r.stdout;
    },
    env: (names) => {
      const key = names.join(',');
      let hit = envs.get(key);
      if (!hit) {
        // A container's configured environment costs no exec; otherwise one per run.
        const known = transport.env?.();
        hit = known
          ? Promise.resolve(Object.fromEntries(names.filter((n) => known[n]).map((n) => [n, known[n]!])))
          : readEnv(transport, names);
        envs.set(key, hit);
      }
      return hit;
    },
  };
}

/** `NAME=value` NUL-terminated per variable set on the target; names are checked identifiers. */
async function readEnv(transport: Transport, names: readonly string[]): Promise<Record<string, string>> {
  const ok = names.filter((n) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(n));
  const script = ok.map((n) => `[ -n "\${${n}-}" ] && printf '%s=%s\\0' ${n} "$${n}"`).join('\n');
  const r = await transport.exec(`${script}\nexit 0`, { timeoutMs: 10_000 });
  if (r.exitCode !== 0) throw new Error(`reading the target's environment failed: ${r.stderr.trim()}`);
  const out: Record<string, string> = {};
  for (const entry of r.stdout.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}

async function directChecks(
  items: CollectItem[],
  target: DirectTarget | undefined,
  lanes: number,
): Promise<Map<string, Record<string, AttrFact>>> {
  const out = new Map<string, Record<string, AttrFact>>();
  if (!target) return out;
  const queue = [...items];
  const worker = async () => {
    for (let it = queue.shift(); it; it = queue.shift()) {
      const def = RESOURCES[it.spec.type];
      out.set(it.id, await def.direct!(effectiveSpec(def, it.spec), target));
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, lanes), items.length) }, worker));
  return out;
}

function factsOf(spec: ResourceSpec, id: string, frames: Frames): Record<string, AttrFact> {
  const def = RESOURCES[spec.type];
  return def.facts(effectiveSpec(def, spec), id, frames);
}

function localFacts(item: CollectItem): Record<string, AttrFact> {
  // Only `matching` (and skipped resources, whose facts are never read) need no collection.
  return item.spec.type === 'matching' ? RESOURCES.matching.facts(item.spec, item.id, new Frames()) : {};
}

async function collect(items: CollectItem[], transport: Transport, opts: RunOptions) {
  const collector = buildCollector(items, { maxConcurrent: opts.maxConcurrent, settings: opts.settings });
  const res = await transport.exec(collector.script, { timeoutMs: collector.timeoutMs });
  const frames = parseCollected(res.stdout, collector);
  if (!frames.has(DONE_ID, 'done')) {
    const why = res.stderr.trim().split('\n').pop() || `exit status ${res.exitCode}`;
    throw new CollectError(`the collector script did not finish on ${transport.describe()}: ${why}`);
  }
  return frames;
}

/** goss's error for a required attribute (resource/gomega.go) left out of the gossfile. */
export const MISSING_REQUIRED = 'Syntax Error: Missing required attribute';

/**
 * Whether goss validates an attribute: written and not null (its `!= nil`), and for the few
 * attributes goss tests with isSet, also not an empty list.
 */
function isSet(attr: Attribute, v: unknown): boolean {
  return v !== undefined && v !== null && !(attr.emptyListUnset && Array.isArray(v) && v.length === 0);
}

/** The attributes goss validates for a spec, in its order: the required one, then those set. */
export function checkedAttributes(spec: ResourceSpec): readonly Attribute[] {
  const def = RESOURCES[spec.type];
  return def.attributes.filter((a) => a.key === def.required || isSet(a, spec.attrs[a.key]));
}

/**
 * goss's Validate for one resource: attributes in goss's order; the gate attribute first, and
 * when it fails, errors or is false, every later attribute is skipped (shouldSkip).
 */
export function evaluateResource(spec: ResourceSpec, facts: Record<string, AttrFact>): TestResult[] {
  const def = RESOURCES[spec.type];
  const resourceId = resourceIdOf(def, spec);
  const known = new Set([
    ...def.attributes.map((a) => a.key),
    ...def.options,
    ...(def.keyAttr ? [def.keyAttr] : []),
  ]);
  const results: TestResult[] = [];
  let skip = spec.skip;
  for (const attr of checkedAttributes(spec)) {
    const expected = spec.attrs[attr.key];
    const property = attr.property ?? attr.key;
    const start = new Date();
    const t0 = process.hrtime.bigint();
    let outcome: MatcherOutcome | 'skip';
    if (skip) {
      outcome = 'skip';
    } else {
      const fact: AttrFact = facts[attr.key] ?? { error: `${attr.key} was not collected` };
      // goss collects first, then builds the matcher: a collection error wins over a missing one.
      let error: string | undefined;
      if ('error' in fact) error = fact.error;
      else if (expected === undefined || expected === null) error = MISSING_REQUIRED;
      outcome =
        error === undefined && 'value' in fact
          ? evaluateMatcher(expected, fact.value)
          : {
              ok: false,
              message: error ?? '',
              result: { message: '', actual: null, expected: expected ?? null },
              error: error ?? '',
            };
    }
    results.push(toResult(spec, resourceId, property, outcome, start, Number(process.hrtime.bigint() - t0)));
    if (attr.key === def.gate && outcome !== 'skip' && (!outcome.ok || outcome.result.actual === false))
      skip = true;
  }
  for (const key of Object.keys(spec.attrs)) {
    if (known.has(key)) continue;
    const error = `unknown attribute "${key}" for ${spec.type} (${spec.source.file}:${spec.source.line})`;
    const outcome: MatcherOutcome = { ok: false, message: error, result: { message: '' }, error };
    results.push(toResult(spec, resourceId, key, outcome, new Date(), 0));
  }
  return results;
}

function toResult(
  spec: ResourceSpec,
  resourceId: string,
  property: string,
  outcome: MatcherOutcome | 'skip',
  start: Date,
  durationNs: number,
): TestResult {
  const skipped = outcome === 'skip';
  const ok = skipped || outcome.ok;
  return {
    'resource-id': resourceId,
    'resource-type': gossTypeName(spec.type),
    title: spec.title,
    meta: spec.meta,
    property,
    result: skipped ? 2 : ok ? 0 : 1,
    // goss counts skipped results as successful; failed-count counts the rest.
    successful: ok,
    skipped,
    err: skipped ? null : (outcome.error ?? null),
    'matcher-result': skipped ? { message: '' } : outcome.result,
    'summary-line': summaryLine(spec.type, resourceId, property, outcome),
    duration: durationNs,
    'start-time': start.toISOString(),
    'end-time': new Date(start.getTime() + Math.round(durationNs / 1e6)).toISOString(),
  };
}
