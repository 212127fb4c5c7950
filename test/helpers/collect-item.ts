import type { CollectItem } from '../../src/suite/collector.js';
import type { ResourceSpec, ResourceType } from '../../src/suite/model.js';

/** One resource for the collector, as a gossfile would give it (no title, meta or source line). */
export function collectItem(
  id: string,
  type: ResourceType,
  key: string,
  attrs: Record<string, unknown> = {},
  skip = false,
): CollectItem {
  const spec: ResourceSpec = {
    type,
    key,
    attrs,
    title: '',
    meta: null,
    skip,
    source: { file: 'g.yaml', line: 1 },
  };
  return { id, spec };
}
