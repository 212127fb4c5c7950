/**
 * 200-check suite against a container (docker exec) and over SSH: imagegate's one collector
 * script versus one exec per check (how per-check tools work), same transport, same run.
 *
 *   npx tsc -p bench/validate/tsconfig.json && node node_modules/.cache/imagegate-bench/bench/validate/validate.js [rounds]
 *
 * The suite is generated from the target's own state (files, users, groups, packages, kernel
 * parameters, commands), so every check passes and both modes do the same work.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResourceSpec, ResourceType, Suite } from '../../src/suite/model.js';
import { runSuites } from '../../src/suite/run.js';
import type { ExecOptions, Transport } from '../../src/suite/transport.js';
import { openTransport } from '../../src/transports/open.js';
import { startSshd } from '../../test/helpers/sshd.js';

const CHECKS = 200;

function spec(type: ResourceType, key: string, attrs: Record<string, unknown>): ResourceSpec {
  return { type, key, attrs, title: '', meta: null, skip: false, source: { file: 'bench', line: 1 } };
}

/** Build exactly CHECKS checks from what the container holds. */
function buildSuite(container: string): Suite {
  const sh = (cmd: string) =>
    execFileSync('docker', ['exec', container, 'sh', '-c', cmd], { encoding: 'utf8' });
  const resources: ResourceSpec[] = [];
  let checks = 0;
  const add = (s: ResourceSpec) => {
    const n = Object.keys(s.attrs).filter((k) => k !== 'timeout').length;
    if (checks + n > CHECKS) return;
    resources.push(s);
    checks += n;
  };
  for (const line of sh("stat -c '%n|%U' /usr/bin/* | head -n 40").trim().split('\n')) {
    const [path, owner] = line.split('|');
    add(spec('file', path!, { exists: true, owner }));
  }
  for (const line of sh('getent passwd | head -n 15').trim().split('\n')) {
    const f = line.split(':');
    add(spec('user', f[0]!, { exists: true, uid: Number(f[2]), home: f[5] }));
  }
  for (const line of sh('getent group | head -n 15').trim().split('\n')) {
    const f = line.split(':');
    add(spec('group', f[0]!, { exists: true, gid: Number(f[2]) }));
  }
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} syntax
  for (const line of sh("dpkg-query -W -f '${Package} ${Version}\\n' | head -n 15").trim().split('\n')) {
    const [name, version] = line.split(' ');
    add(spec('package', name!, { installed: true, versions: [version] }));
  }
  for (const p of [
    'kernel.ostype',
    'kernel.pid_max',
    'kernel.threads-max',
    'vm.max_map_count',
    'net.ipv4.ip_forward',
  ]) {
    add(spec('kernel-param', p, { value: sh(`cat /proc/sys/${p.replaceAll('.', '/')}`).trim() }));
  }
  for (let i = 0; checks < CHECKS; i++) {
    add(spec('command', `echo bench-${i}`, { 'exit-status': 0, stdout: [`bench-${i}`] }));
    if (checks === CHECKS - 1) add(spec('process', 'sleep', { running: true }));
  }
  return { name: 'bench', digest: '', resources, warnings: [] };
}

function counting(real: Transport): Transport & { execs: number } {
  const t = {
    execs: 0,
    exec: (script: string, opts?: ExecOptions) => {
      t.execs++;
      return real.exec(script, opts);
    },
    close: () => real.close(),
    describe: () => real.describe(),
  };
  return t;
}

/** One exec per check: each attribute of each resource collected on its own, one after another. */
async function perCheck(suite: Suite, transport: Transport): Promise<number> {
  let failed = 0;
  for (const r of suite.resources) {
    for (const [k, v] of Object.entries(r.attrs)) {
      if (k === 'timeout') continue;
      const one: Suite = { ...suite, resources: [{ ...r, attrs: { [k]: v } }] };
      const { run } = await runSuites([one], transport);
      failed += run.summary['failed-count'];
    }
  }
  return failed;
}

async function measure(
  label: string,
  suite: Suite,
  open: () => Promise<Transport>,
  rounds: number,
): Promise<string[]> {
  const rows: string[] = [];
  for (let round = 1; round <= rounds; round++) {
    const t = counting(await open());
    try {
      let t0 = performance.now();
      const { run } = await runSuites([suite], t);
      const batchMs = performance.now() - t0;
      const batchExecs = t.execs;
      if (run.summary['test-count'] !== CHECKS || run.summary['failed-count'] !== 0) {
        const failures = run.results.filter((r) => r.result === 1).map((r) => r['summary-line']);
        throw new Error(
          `${label}: expected ${CHECKS} passing checks, got ${run.summary['summary-line']}\n${failures.join('\n')}`,
        );
      }
      t.execs = 0;
      t0 = performance.now();
      const failed = await perCheck(suite, t);
      const perMs = performance.now() - t0;
      if (failed !== 0) throw new Error(`${label}: per-check mode failed ${failed} checks`);
      rows.push(
        `| ${label} | ${round} | ${batchMs.toFixed(0)} ms | ${batchExecs} | ${perMs.toFixed(0)} ms | ${t.execs} | ${(perMs / batchMs).toFixed(1)}x |`,
      );
      console.error(rows.at(-1));
    } finally {
      await t.close();
    }
  }
  return rows;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 3);
  const name = `imagegate-bench-validate-${randomBytes(4).toString('hex')}`;
  execFileSync('docker', [
    'run',
    '-d',
    '--name',
    name,
    '--label',
    'imagegate:ephemeral=true',
    '--label',
    `imagegate:created-at=${new Date().toISOString()}`,
    '--label',
    'imagegate:ttl=1h',
    'debian:bookworm',
    'sleep',
    '3600',
  ]);
  const sshd = await startSshd();
  const knownHosts = join(tmpdir(), `imagegate-bench-known-hosts-${process.pid}`);
  writeFileSync(knownHosts, `${sshd.knownHostsLine}\n`);
  try {
    execFileSync('docker', ['exec', '-d', sshd.containerId, 'sleep', '3600']);
    const rows = [
      '| target | round | imagegate (one script) | execs | one exec per check | execs | speed-up |',
      '|---|---|---|---|---|---|---|',
      ...(await measure('docker exec', buildSuite(name), () => openTransport(`docker://${name}`), rounds)),
      ...(await measure(
        'SSH (ssh2)',
        buildSuite(sshd.containerId),
        () =>
          openTransport(`ssh://${sshd.user}@${sshd.host}:${sshd.port}`, {
            identity: sshd.keyFile,
            knownHosts,
          }),
        rounds,
      )),
    ];
    console.log(rows.join('\n'));
  } finally {
    execFileSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
    sshd.stop();
  }
}

await main();
