import { Frames } from '../../../../src/suite/frames.js';
import type { ResourceSpec, ResourceType } from '../../../../src/suite/model.js';

export function spec(
  type: ResourceType,
  key: string,
  attrs: Record<string, unknown> = {},
  skip = false,
): ResourceSpec {
  return { type, key, attrs, title: '', meta: null, skip, source: { file: 'g.yaml', line: 3 } };
}

/** Frames as the collector would have produced them: `[id, key, value]` triples. */
export function frames(...entries: [string, string, string][]): Frames {
  const f = new Frames();
  for (const [id, key, value] of entries) f.add(id, key, Buffer.from(value));
  return f;
}
