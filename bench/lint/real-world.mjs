#!/usr/bin/env node
// Lint on a real-world corpus (bench/RESULTS.md, "Lint on a real-world corpus"), after
// `npm run build`. The corpus is not in the repository: other people's templates, assembled
// as described there (one folder per repository, layouts kept).
//   node bench/lint/real-world.mjs CORPUS_DIR [--runs 3] [--no-packer]
// Prints: findings per policy, syntax findings, crashes (a template whose lint threw), the
// per-template CPU (max and the slowest five), and whole-process CPU and wall time of
// `imagegate lint CORPUS` next to `packer fmt -check` over every folder holding *.pkr.hcl
// (Packer 1.6.6's fmt takes one folder or file per call), run in turn, with `uptime` before.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const corpus = args.find((a) => !a.startsWith('--'));
if (corpus === undefined) {
  console.error('usage: node bench/lint/real-world.mjs CORPUS_DIR [--runs N] [--no-packer]');
  process.exit(2);
}
const runsAt = args.indexOf('--runs');
const RUNS = runsAt === -1 ? 3 : Number(args[runsAt + 1]);
const root = resolve(corpus);
const cpu = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

const { discoverTemplates } = await import('../../dist/template/discover.js');
const { loadTemplateUnits } = await import('../../dist/template/load.js');
const { loadPolicySet } = await import('../../dist/lint/policies.js');
const { lintTemplate } = await import('../../dist/lint/engine.js');

// 1. In one process: per-template CPU, crashes, findings per policy.
const policies = await loadPolicySet();
const targets = await discoverTemplates([root]);
const perTemplate = [];
const crashes = [];
const byPolicy = new Map();
let templates = 0;
let lastFiles = 1;
for (const target of targets) {
  lastFiles = 1;
  const t0 = cpu();
  try {
    const units = await loadTemplateUnits(target, { roots: [root] });
    lastFiles = new Set(units.flatMap((u) => u.files)).size;
    for (const unit of units) {
      templates++;
      for (const f of lintTemplate(unit, policies).findings)
        byPolicy.set(f.policy, (byPolicy.get(f.policy) ?? 0) + 1);
    }
  } catch (err) {
    crashes.push(`${target}: ${err instanceof Error ? err.message : String(err)}`);
  }
  perTemplate.push({ target, ms: cpu() - t0, files: lastFiles });
}
perTemplate.sort((a, b) => b.ms - a.ms);
console.log(`corpus ${root}: ${targets.length} paths, ${templates} templates`);
console.log(
  `findings per policy (per template, before reporting shared lines once): ${JSON.stringify(Object.fromEntries([...byPolicy].sort()))}`,
);
console.log(`syntax findings: ${byPolicy.get('syntax') ?? 0}; crashes: ${crashes.length}`);
for (const c of crashes) console.log(`  crash ${c}`);
console.log(
  `per-template CPU: max ${perTemplate[0]?.ms.toFixed(1)} ms (first template pays the parser and grammar load)`,
);
for (const { target, ms, files } of perTemplate.slice(0, 5)) {
  console.log(
    `  ${ms.toFixed(1)} ms  ${target} (${files} files read: ${(ms / files).toFixed(1)} ms per file)`,
  );
}
const perFile = perTemplate.map((t) => t.ms / t.files).sort((a, b) => b - a);
console.log(
  `CPU per file read (template CPU / its files): max ${perFile[0]?.toFixed(1)} ms, median ${perFile[Math.floor(perFile.length / 2)]?.toFixed(1)} ms`,
);

// 2. Whole processes, in turn, A B A B …
if (args.includes('--no-packer')) process.exit(0);
const hclDirs = [];
(function walk(dir) {
  const entries = readdirSync(dir, { withFileTypes: true });
  if (entries.some((e) => e.isFile() && e.name.endsWith('.pkr.hcl'))) hclDirs.push(dir);
  for (const e of entries)
    if (e.isDirectory() && e.name !== '.git' && e.name !== 'node_modules') walk(join(dir, e.name));
})(root);
const time = (cmd, argv) => {
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %e', cmd, ...argv], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const [user, sys, wall] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return { cpu: user + sys, wall };
};
const fmtScript = `for d in "$@"; do packer fmt -check "$d" >/dev/null 2>&1; done`;
console.log(`uptime: ${execFileSync('uptime', { encoding: 'utf8' }).trim()}`);
console.log(
  `packer fmt -check over ${hclDirs.length} folders holding *.pkr.hcl; imagegate lint over the whole corpus (HCL, JSON, scripts)`,
);
const rows = [];
for (let i = 0; i < RUNS; i++) {
  const lint = time('node', ['bin/imagegate', 'lint', '--format', 'json', root]);
  const fmt = time('sh', ['-c', fmtScript, 'fmt', ...hclDirs]);
  rows.push({ lint, fmt });
  console.log(
    `run ${i + 1}: lint ${lint.cpu.toFixed(2)} s CPU ${lint.wall.toFixed(2)} s wall | packer fmt ${fmt.cpu.toFixed(2)} s CPU ${fmt.wall.toFixed(2)} s wall | ratio CPU ${(lint.cpu / fmt.cpu).toFixed(2)}`,
  );
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `median: lint ${median(rows.map((r) => r.lint.cpu)).toFixed(2)} s CPU, packer fmt ${median(rows.map((r) => r.fmt.cpu)).toFixed(2)} s CPU, lint/fmt ${median(rows.map((r) => r.lint.cpu / r.fmt.cpu)).toFixed(2)}`,
);
console.log(`uptime: ${execFileSync('uptime', { encoding: 'utf8' }).trim()}`);
