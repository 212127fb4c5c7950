import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * What a command loads before it does anything is its fixed cost (issue 20): the AWS SDK is
 * ~0.5 s and ~20 MiB, ssh2 ~14 MiB. These hot paths must reach heavy packages only through a
 * dynamic import() on the branch that needs them; a static import anywhere below would undo it.
 */
const root = resolve(import.meta.dirname, '../..');

/** Packages reached by static, value imports from `entry` (type-only imports cost nothing). */
function eagerPackages(entry: string): Map<string, string> {
  const found = new Map<string, string>();
  const seen = new Set<string>();
  const queue = [resolve(root, entry)];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
    for (const st of sf.statements) {
      let spec: string | undefined;
      if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
        const c = st.importClause;
        const typeOnly =
          c !== undefined &&
          (c.isTypeOnly ||
            (c.name === undefined &&
              c.namedBindings !== undefined &&
              ts.isNamedImports(c.namedBindings) &&
              c.namedBindings.elements.every((e) => e.isTypeOnly)));
        if (!typeOnly) spec = st.moduleSpecifier.text;
      } else if (ts.isExportDeclaration(st) && !st.isTypeOnly && st.moduleSpecifier) {
        spec = (st.moduleSpecifier as ts.StringLiteral).text;
      }
      if (spec === undefined) continue;
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
        if (existsSync(target)) queue.push(target);
      } else if (!spec.startsWith('node:') && !found.has(spec)) {
        found.set(spec, relative(root, file));
      }
    }
  }
  return found;
}

function heavy(entry: string, banned: RegExp): string[] {
  return [...eagerPackages(entry)].filter(([p]) => banned.test(p)).map(([p, f]) => `${p} (from ${f})`);
}

describe('start-up imports', () => {
  it('the reader sees value imports and skips type-only ones', () => {
    const pkgs = eagerPackages('src/transports/docker-client.ts');
    expect(pkgs.has('dockerode')).toBe(false); // `import type Docker from 'dockerode'`
    expect([...eagerPackages('src/aws/clients.ts').keys()]).toContain('@aws-sdk/client-ec2');
  });

  it('--help, --version and the command index load no engine client', () => {
    expect(heavy('src/cli/main.ts', /^(@aws-sdk\/|dockerode|docker-modem|ssh2|yaml)/)).toEqual([]);
  });

  it('validate over docker or SSH loads no AWS SDK, and opens each transport lazily', () => {
    expect(heavy('src/cli/validate.ts', /^(@aws-sdk\/|dockerode|docker-modem|ssh2)/)).toEqual([]);
    expect(heavy('src/transports/open.ts', /^(@aws-sdk\/|dockerode|docker-modem|ssh2)/)).toEqual([]);
  });

  it('test and gate of a docker image with a local key load no AWS SDK', () => {
    expect(heavy('src/gate/test-run.ts', /^@aws-sdk\//)).toEqual([]);
    expect(heavy('src/evidence/setup.ts', /^@aws-sdk\//)).toEqual([]);
  });
});
