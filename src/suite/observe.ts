import { buildCollector, DONE_ID, parseCollected } from './collector.js';
import type { ResourceSpec } from './model.js';
import { type AttrFact, effectiveSpec, type PlanSettings } from './resources/api.js';
import { RESOURCES } from './resources/index.js';
import { CollectError, directTarget } from './run.js';
import type { Transport } from './transport.js';

/**
 * The facts of some resources as they are now, for writing a suite from a system's state
 * (`validate add`/`autoadd`): the same one-round-trip collection `validate` does, with HTTP
 * and DNS spoken directly over the transport where it can, but no matchers.
 */
export async function observe(
  specs: readonly ResourceSpec[],
  transport: Transport,
  settings: PlanSettings = {},
): Promise<Record<string, AttrFact>[]> {
  const items = specs.map((spec, i) => ({ id: `a${i}`, spec }));
  const target = directTarget(transport);
  const usesDirect = (spec: ResourceSpec) => {
    const def = RESOURCES[spec.type];
    return (
      target !== undefined && def.direct !== undefined && (def.directFor?.(effectiveSpec(def, spec)) ?? true)
    );
  };
  const collected = items.filter((it) => !usesDirect(it.spec) && it.spec.type !== 'matching');
  const out: Record<string, AttrFact>[] = specs.map(() => ({}));
  if (collected.length > 0) {
    const collector = buildCollector(collected, { settings });
    const res = await transport.exec(collector.script, { timeoutMs: collector.timeoutMs });
    const frames = parseCollected(res.stdout, collector);
    if (!frames.has(DONE_ID, 'done')) {
      const why = res.stderr.trim().split('\n').pop() || `exit status ${res.exitCode}`;
      throw new CollectError(`the collector script did not finish on ${transport.describe()}: ${why}`);
    }
    for (const it of collected) {
      const def = RESOURCES[it.spec.type];
      out[Number(it.id.slice(1))] = def.facts(effectiveSpec(def, it.spec), it.id, frames);
    }
  }
  await Promise.all(
    items
      .filter((it) => usesDirect(it.spec))
      .map(async (it) => {
        const def = RESOURCES[it.spec.type];
        out[Number(it.id.slice(1))] = await def.direct!(effectiveSpec(def, it.spec), target!);
      }),
  );
  return out;
}
