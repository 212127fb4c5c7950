import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The folder graph of DESIGN.md ("Dependency rules"), enforced: every import under src/ must
 * point down a layer, or be one of the few sideways edges named below with the reason for it.
 */
const LAYERS: string[][] = [
  ['cli'],
  ['gate'],
  ['promote', 'retention', 'report', 'lint', 'packer', 'targets', 'drift'],
  ['transports', 'suite', 'template', 'config', 'evidence'],
  ['aws', 'core'],
];

/** Same-layer edges that are part of the design, not accidents. */
const SIDEWAYS: Record<string, string> = {
  'transports→suite': 'suite owns the Transport interface that transports implement',
  'evidence→suite': 'a verdict carries the suite results it attests to',
  'config→template': 'image inputs (for --changed-since) are read from the parsed template',
  'report→lint': 'report renders lint findings',
  'report→retention': 'report renders prune plans and apply results',
  'drift→promote': "drift finds and verifies a host image's evidence exactly as `verify` does",
};

/** Packages a folder must never load: offline, provider-neutral cores stay that way. */
const FORBIDDEN_PACKAGES: Record<string, RegExp> = {
  suite: /^(dockerode|ssh2|@aws-sdk\/)/,
  lint: /^(dockerode|ssh2|@aws-sdk\/)/,
  template: /^(dockerode|ssh2|@aws-sdk\/)/,
  config: /^(dockerode|ssh2|@aws-sdk\/)/,
  evidence: /^(dockerode|ssh2)/,
  core: /^(dockerode|ssh2|@aws-sdk\/)/,
};

const root = resolve(import.meta.dirname, '../..');
const src = join(root, 'src');

function layerOf(folder: string): number {
  return LAYERS.findIndex((l) => l.includes(folder));
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

interface Edge {
  file: string;
  spec: string;
  from: string;
  to?: string;
}

/** Every static, dynamic and re-export import, as the TypeScript compiler reads them. */
function edges(): Edge[] {
  return files(src).flatMap((file) => {
    const from = relative(src, file).split('/')[0] ?? '';
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    return info.importedFiles.map(({ fileName: spec }) => {
      if (!spec.startsWith('.')) return { file, spec, from };
      const to = relative(src, resolve(dirname(file), spec)).split('/')[0];
      return { file, spec, from, ...(to ? { to } : {}) };
    });
  });
}

/** Why an edge breaks the rules, or undefined when it keeps them. */
function violation(e: Edge): string | undefined {
  if (e.to === undefined) {
    const banned = FORBIDDEN_PACKAGES[e.from];
    return banned?.test(e.spec) ? `${e.from} must not load ${e.spec}` : undefined;
  }
  if (e.to === e.from) return undefined;
  if (e.to === 'cli') return 'nothing imports cli/';
  if (e.from === 'retention' && (e.to === 'targets' || e.to === 'transports'))
    return 'retention never boots anything';
  if (e.from === 'drift' && e.to === 'targets') return 'drift never boots anything: it checks running hosts';
  const [a, b] = [layerOf(e.from), layerOf(e.to)];
  if (a < 0 || b < 0)
    return `folder ${a < 0 ? e.from : e.to} is not in the graph (add it to DESIGN.md and here)`;
  if (b > a) return undefined;
  if (b === a && SIDEWAYS[`${e.from}→${e.to}`]) return undefined;
  return `${e.from} → ${e.to} points ${b === a ? 'sideways' : 'up'}`;
}

describe('architecture', () => {
  const all = edges();

  it('finds the imports it checks (the parser works)', () => {
    expect(all.length).toBeGreaterThan(500);
    expect(all.some((e) => e.from === 'cli' && e.to === 'gate')).toBe(true);
  });

  it('every src/ folder is a node of the graph', () => {
    const folders = readdirSync(src, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.filter((f) => layerOf(f) < 0)).toEqual([]);
  });

  it('every import follows the folder graph', () => {
    const bad = all.flatMap((e) => {
      const why = violation(e);
      return why ? [`${relative(root, e.file)}: ${e.spec}: ${why}`] : [];
    });
    expect(bad).toEqual([]);
  });

  it('only src/aws/ constructs AWS SDK clients (endpoint, region, role and retries live there)', () => {
    const bad = files(src)
      .filter((f) => !relative(src, f).startsWith('aws/'))
      .filter((f) =>
        /new\s+(EC2|STS|SSM|KMS|S3|Organizations|AutoScaling|IAM)Client\s*\(/.test(readFileSync(f, 'utf8')),
      );
    expect(bad.map((f) => relative(root, f))).toEqual([]);
  });

  it('reports an edge that breaks the rules', () => {
    expect(violation({ file: 'x', spec: '../cli/output.js', from: 'gate', to: 'cli' })).toMatch(
      /nothing imports cli/,
    );
    expect(violation({ file: 'x', spec: '../gate/x.js', from: 'promote', to: 'gate' })).toMatch(/points up/);
    expect(violation({ file: 'x', spec: '../promote/x.js', from: 'targets', to: 'promote' })).toMatch(
      /sideways/,
    );
    expect(violation({ file: 'x', spec: 'dockerode', from: 'suite' })).toMatch(/must not load/);
    expect(violation({ file: 'x', spec: '../targets/x.js', from: 'retention', to: 'targets' })).toMatch(
      /never boots/,
    );
  });
});
