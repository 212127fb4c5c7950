#!/usr/bin/env node
// Where a bulk lint spends its CPU, in one process: discovery, parsing (src/template) and
// policy evaluation (src/lint), over the same generated templates as run.mjs.
//   node bench/lint/breakdown.mjs [--templates 300]
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const i = process.argv.indexOf('--templates');
const COUNT = i === -1 ? 300 : Number(process.argv[i + 1]);
const cpu = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

const { discoverTemplates } = await import('../../dist/template/discover.js');
const { loadTemplate } = await import('../../dist/template/load.js');
const { loadPolicySet } = await import('../../dist/lint/policies.js');
const { lintTemplate } = await import('../../dist/lint/engine.js');

const work = mkdtempSync(join(tmpdir(), 'imagegate-bench-lint-'));
try {
  // The hardened fixture: two sources, four provisioners, a script file.
  const fixture = 'test/fixtures/lint/hardened';
  for (let n = 0; n < COUNT; n++) {
    const dir = join(work, `t${n}`);
    mkdirSync(join(dir, 'scripts'), { recursive: true });
    writeFileSync(join(dir, 'main.pkr.hcl'), readFileSync(join(fixture, 'hardened.pkr.hcl'), 'utf8'));
    writeFileSync(
      join(dir, 'scripts', 'install-agent.sh'),
      readFileSync(join(fixture, 'scripts/install-agent.sh'), 'utf8'),
    );
  }
  const t0 = cpu();
  const policies = await loadPolicySet();
  const t1 = cpu();
  const paths = await discoverTemplates([work]);
  const t2 = cpu();
  const templates = [];
  for (const p of paths) templates.push(await loadTemplate(p));
  const t3 = cpu();
  let findings = 0;
  for (const t of templates) findings += lintTemplate(t, policies).findings.length;
  const t4 = cpu();
  const ms = (x) => `${Math.round(x)} ms`;
  console.log(`${COUNT} templates, ${findings} findings; CPU user+sys in one process:`);
  console.log('| phase | total | per template |');
  console.log('|---|---|---|');
  console.log(`| load built-in policies | ${ms(t1 - t0)} | |`);
  console.log(`| discover | ${ms(t2 - t1)} | ${((t2 - t1) / COUNT).toFixed(2)} ms |`);
  console.log(`| parse (src/template: HCL, shell) | ${ms(t3 - t2)} | ${((t3 - t2) / COUNT).toFixed(2)} ms |`);
  console.log(
    `| evaluate 20 policies + suppressions (src/lint) | ${ms(t4 - t3)} | ${((t4 - t3) / COUNT).toFixed(2)} ms |`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
