// `imagegate drift` over a fleet of container hosts: wall time and the drift process's peak RSS.
// Builds a small image from debian:bookworm, tests it once with `imagegate test` (a real signed
// verdict, development key), starts HOSTS containers from it (default 200), then times
// `imagegate drift --label … --concurrency C` (default 16). Containers and the image are removed
// at the end. Run: npm run build && node bench/drift-200.mjs [hosts] [concurrency]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const HOSTS = Number(process.argv[2] ?? 200);
const CONCURRENCY = Number(process.argv[3] ?? 16);
const bin = new URL('../bin/imagegate', import.meta.url).pathname;
const run = `bench-drift-${process.pid}`;
const tag = `imagegate-bench/drift:${run}`;
const dir = mkdtempSync(join(tmpdir(), 'imagegate-bench-drift-'));

// 20 checks of the kinds a baseline suite has: files, packages, users, a command.
const SUITE = `file:
  /etc/passwd: { exists: true, mode: "0644", owner: root }
  /etc/shadow: { exists: true, mode: "0640" }
  /etc/app.conf: { exists: true, contents: [PermitRootLogin no] }
  /root/.aws/credentials: { exists: false }
  /etc/machine-id: { exists: false, meta: { imagegate: { when: boot } } }
package:
  bash: { installed: true }
  coreutils: { installed: true }
  e2fsprogs: { installed: true }
  apt: { installed: true }
user:
  root: { exists: true, uid: 0, home: /root }
  nobody: { exists: true }
command:
  app-conf-lines:
    exec: wc -l < /etc/app.conf
    exit-status: 0
    stdout: ["1"]
`;

const sh = (cmd, args, opts = {}) =>
  execFileSync(cmd, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...opts });

function cleanup() {
  const ids = sh('docker', ['ps', '-aq', '--filter', `label=bench=${run}`])
    .split('\n')
    .filter(Boolean);
  for (let i = 0; i < ids.length; i += 50)
    sh('docker', ['rm', '-f', ...ids.slice(i, i + 50)], { stdio: 'ignore' });
  try {
    sh('docker', ['rmi', '-f', tag], { stdio: 'ignore' });
  } catch {}
  rmSync(dir, { recursive: true, force: true });
}

async function startHosts() {
  let next = 0;
  const worker = async () => {
    while (next < HOSTS) {
      const i = next++;
      await new Promise((resolve, reject) => {
        const p = spawn('docker', ['run', '-d', '--label', `bench=${run}`, '--name', `${run}-${i}`, tag], {
          stdio: 'ignore',
        });
        p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`docker run exited ${code}`))));
      });
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
}

/** Wall time and peak RSS (VmHWM, sampled until exit) of `imagegate drift`. */
function timeDrift() {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(
      bin,
      ['drift', '--label', `bench=${run}`, '--concurrency', String(CONCURRENCY), '--format', 'json', '-q'],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    let peakKb = 0;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const sample = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {}
    }, 20);
    child.on('exit', (code) => {
      clearInterval(sample);
      resolve({ code, ms: performance.now() - t0, peakKb, stdout, stderr });
    });
  });
}

try {
  sh('docker', ['build', '-q', '-t', tag, '-'], {
    input: `FROM debian:bookworm\nRUN echo 'PermitRootLogin no' > /etc/app.conf\nCMD ["sleep", "infinity"]\n`,
  });
  writeFileSync(
    join(dir, 'imagegate.yaml'),
    'stages:\n  dev:\n    trust: [local-dev]\n    registry: { repository: "127.0.0.1:5001/bench", tags: [dev] }\n',
  );
  writeFileSync(join(dir, 'goss.yaml'), SUITE);
  sh(bin, ['test', tag, '-g', 'goss.yaml', '--out', '.imagegate/verdicts', '-q'], { cwd: dir });
  const t0 = performance.now();
  await startHosts();
  console.log(`started ${HOSTS} containers in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const before = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  const r = await timeDrift();
  const after = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  if (r.code !== 0) console.log(`drift exited ${r.code}: ${r.stderr.slice(-2000)}`);
  const report = JSON.parse(r.stdout);
  const checks = report.hosts.reduce((n, h) => n + h.checks.total, 0);
  console.log(
    `drift: ${report.summary.hosts} hosts (${report.summary.ok} ok), ${checks} checks, concurrency ${CONCURRENCY}: ` +
      `wall ${(r.ms / 1000).toFixed(1)} s, peak RSS ${(r.peakKb / 1024).toFixed(0)} MiB; load average before ${before}, after ${after}`,
  );
} finally {
  cleanup();
}
