import type { Attribute, Block, Expr, Template } from '../template/model.js';

/**
 * Where a template's builders take their base from, read from the template alone (nothing
 * evaluated): `source_ami_filter` of amazon builders, `image` of docker builders. Used by gate
 * (to record a docker base the build does not print) and by `plan --stale`.
 */

/** How one builder of the template finds its base today. */
export type BaseQuery =
  | {
      kind: 'ami';
      source: string;
      region?: string;
      owners: string[];
      filters: { Name: string; Values: string[] }[];
    }
  | { kind: 'docker-image'; source: string; reference: string };

/** Docker base tags by build name, for builds that do not say what they pulled. */
export function dockerBaseRefs(template: Template, only: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const q of baseQueries(template, only).queries)
    if (q.kind === 'docker-image') out[q.source] = q.reference;
  return out;
}

/** A string the template spells literally, or through a variable with a literal default. */
function literal(expr: Expr | undefined, template: Template): string | undefined {
  if (!expr) return undefined;
  const direct = stringValue(expr);
  if (direct !== undefined) return direct;
  if (expr.kind === 'reference' && expr.path[0] === 'var' && expr.path.length === 2) {
    return stringValue(template.variables.find((v) => v.name === expr.path[1])?.default);
  }
  return undefined;
}

function literalList(expr: Expr | undefined, template: Template): string[] | undefined {
  if (!expr) return [];
  if (expr.kind !== 'tuple') {
    const one = literal(expr, template);
    return one === undefined ? undefined : [one];
  }
  const items = expr.items.map((i) => literal(i, template));
  return items.every((i) => i !== undefined) ? (items as string[]) : undefined;
}

/**
 * The base queries of the builders an image builds (its `only`, or all). A builder whose filter
 * or tag is computed (beyond `var.x` with a literal default) yields a problem instead.
 */
export function baseQueries(
  template: Template,
  only: string[],
): { queries: BaseQuery[]; problems: string[] } {
  const queries: BaseQuery[] = [];
  const problems: string[] = [];
  for (const src of template.sources) {
    const name = `${src.type}.${src.name}`;
    if (only.length && !only.includes(name) && !only.includes(`source.${name}`)) continue;
    if (src.type.startsWith('amazon-')) {
      const filter = src.body.blocks.find((b) => b.type === 'source_ami_filter');
      // A fixed `source_ami` never moves on: nothing to check.
      if (!filter) continue;
      const filters: { Name: string; Values: string[] }[] = [];
      const raw = attr(filter, 'filters')?.value;
      let ok = raw?.kind === 'object';
      if (raw?.kind === 'object') {
        for (const e of raw.entries) {
          const values = literalList(e.value, template);
          if (values === undefined) ok = false;
          else filters.push({ Name: e.key, Values: values });
        }
      }
      const owners = literalList(attr(filter, 'owners')?.value, template);
      const regionExpr = attr(src.body, 'region')?.value;
      const region = literal(regionExpr, template);
      if (!ok || owners === undefined || (regionExpr && region === undefined)) {
        problems.push(`${name}: source_ami_filter or region is computed; cannot resolve it outside Packer`);
        continue;
      }
      queries.push({ kind: 'ami', source: name, owners, filters, ...(region ? { region } : {}) });
    } else if (src.type === 'docker') {
      const reference = literal(attr(src.body, 'image')?.value, template);
      if (reference === undefined)
        problems.push(`${name}: image is computed; cannot resolve it outside Packer`);
      else queries.push({ kind: 'docker-image', source: name, reference });
    }
  }
  return { queries, problems };
}

// Local copies of two one-liners from template/packer-blocks: importing that module would pull
// the template parsers into every `gate` start-up (test/unit/cli/commands.test.ts guards it).
function attr(block: Block, name: string): Attribute | undefined {
  return block.attributes.find((a) => a.name === name);
}

function stringValue(expr: Expr | undefined): string | undefined {
  return expr?.kind === 'literal' && typeof expr.value === 'string' ? expr.value : undefined;
}
