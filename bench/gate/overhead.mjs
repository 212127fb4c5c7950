#!/usr/bin/env node
// Harness overhead of `imagegate gate`: whole-process wall time minus the Packer build and the
// artifact test (boot + suites + teardown) it drives. What is left is imagegate's own work:
// start-up, config, lint, verdict sealing, reports.
// Usage: npm run build && node bench/gate/overhead.mjs [runs=3] [image=worker]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runs = Number(process.argv[2] ?? 3);
const image = process.argv[3] ?? 'worker';
const root = new URL('../..', import.meta.url).pathname;
const rows = [];
for (let i = 0; i < runs; i++) {
  const out = mkdtempSync(join(tmpdir(), 'imagegate-bench-gate-'));
  const t0 = performance.now();
  const stdout = execFileSync(
    join(root, 'bin/imagegate'),
    [
      'gate',
      image,
      '--config',
      join(root, 'examples/imagegate.yaml'),
      '--no-promote',
      '--json',
      '--quiet',
      '--out',
      out,
    ],
    { encoding: 'utf8' },
  );
  const wall = performance.now() - t0;
  const summary = JSON.parse(stdout);
  const img = summary.images[0];
  const build = img.build.durationMs;
  let test = 0;
  for (const a of img.artifacts) {
    const v = JSON.parse(readFileSync(a.verdictFile, 'utf8'));
    test += Date.parse(v.timings.finishedAt) - Date.parse(v.timings.startedAt);
  }
  const overhead = wall - build - test;
  rows.push({ wall, build, test, overhead });
  rmSync(out, { recursive: true, force: true });
}
const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
console.log(`| run | wall | packer build | test (boot+suites+teardown) | overhead | overhead % |`);
console.log(`|---|---|---|---|---|---|`);
for (const [i, r] of rows.entries()) {
  const pct = ((r.overhead / r.wall) * 100).toFixed(1);
  console.log(
    `| ${i + 1} | ${fmt(r.wall)} | ${fmt(r.build)} | ${fmt(r.test)} | ${fmt(r.overhead)} | ${pct}% |`,
  );
}
