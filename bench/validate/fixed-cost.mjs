#!/usr/bin/env node
// Whole `imagegate validate --target docker://…` processes at 60, 200 and 1,000 checks: wall
// time and the processes the collector forks on the target, for one or more builds of dist/
// (e.g. before and after a change), run in turn A B A B … on the same container.
//
//   [SIZES=60,200,1000] node bench/validate/fixed-cost.mjs [rounds] LABEL=REPO_DIR [LABEL=REPO_DIR …]
//
// REPO_DIR holds a built dist/ (bin/imagegate is run). Suites are generated from the container's
// own state in two mixes: "mix" (file, package, user, group, service, process, port,
// kernel-param, command, mount, interface) and "no-cmd" (the same without `command` checks,
// files instead). Processes on the target are counted with the container's PID namespace
// counter (/proc/sys/kernel/ns_last_pid): every fork in the container takes the next PID.
// Each build's JSON results must agree check for check, or the run stops.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const rounds = /^\d+$/.test(args[0] ?? '') ? Number(args.shift()) : 3;
const builds = args.map((a) => {
  const [label, dir] = a.split('=');
  if (!label || !dir) throw new Error(`expected LABEL=REPO_DIR, got ${a}`);
  return { label, bin: join(dir, 'bin', 'imagegate') };
});
if (builds.length === 0) {
  console.error('usage: fixed-cost.mjs [rounds] LABEL=REPO_DIR [LABEL=REPO_DIR …]');
  process.exit(2);
}
const SIZES = (process.env.SIZES ?? '60,200,1000').split(',').map(Number);

const name = `imagegate-bench-fixed-${randomBytes(4).toString('hex')}`;
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
const sh = (cmd) => execFileSync('docker', ['exec', name, 'sh', '-c', cmd], { encoding: 'utf8' });
const lines = (s) => s.trim().split('\n').filter(Boolean);
const q = JSON.stringify;

const state = {
  users: lines(sh('getent passwd')).map((l) => l.split(':')),
  groups: lines(sh('getent group')).map((l) => l.split(':')),
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own ${field} syntax
  packages: lines(sh("dpkg-query -W -f '${Package} ${Version}\\n'")).map((l) => l.split(' ')),
  files: lines(
    sh("find /usr/bin /usr/lib /etc -maxdepth 2 \\( -type f -o -type l -o -type d \\) -printf '%p|%u|%m\\n'"),
  ).map((l) => l.split('|')),
  params: lines(
    sh(
      'for f in /proc/sys/kernel/* /proc/sys/vm/* /proc/sys/net/ipv4/*; do [ -f "$f" ] && [ -r "$f" ] && [ "$(wc -l <"$f")" = 1 ] && v=$(cat "$f" 2>/dev/null) && [ -n "$v" ] && printf "%s|%s\\n" "$f" "$v"; done',
    ),
  )
    .map((l) => l.split('|'))
    .filter(([, v]) => !/\t|\s{2}/.test(v ?? ''))
    .map(([f, v]) => [f.slice('/proc/sys/'.length).replaceAll('/', '.'), v]),
  mounts: lines(sh("awk '{print $5, $(NF-2)}' /proc/self/mountinfo")).map((l) => l.split(' ')),
};

/** One suite of exactly `checks` checks; files fill what the other resources leave. */
function suite(checks, withCommands) {
  let n = 0;
  const out = {};
  const put = (type, key, attrs) => {
    const c = Object.keys(attrs).length;
    if (n + c > checks) return false;
    out[type] = [...(out[type] ?? []), `  ${q(key)}: ${q(attrs)}`];
    n += c;
    return true;
  };
  const take = (list, frac, per, fn) => {
    const want = Math.max(1, Math.floor((checks * frac) / per));
    for (const x of list.slice(0, want)) fn(x);
  };
  take(state.users, 0.08, 3, (u) => put('user', u[0], { exists: true, uid: Number(u[2]), home: u[5] }));
  put('user', 'nosuchuser', { exists: false });
  take(state.groups, 0.05, 2, (g) => put('group', g[0], { exists: true, gid: Number(g[2]) }));
  take(state.packages, 0.15, 2, ([p, v]) => put('package', p, { installed: true, versions: [v] }));
  put('package', 'telnetd', { installed: false });
  take(state.params, 0.04, 1, ([p, v]) => put('kernel-param', p, { value: v }));
  take(['cron', 'ssh', 'nginx', 'rsyslog', 'chrony', 'hwclock.sh', 'docker', 'postfix'], 0.02, 2, (s) =>
    put('service', s, { enabled: false, running: false }),
  );
  put('process', 'sleep', { running: true });
  take(['sshd', 'nginx', 'cron', 'rsyslogd'], 0.01, 1, (p) => put('process', p, { running: false }));
  take(['tcp:22', 'tcp:80', 'tcp:443', 'udp:53', 'tcp6:22'], 0.01, 1, (p) =>
    put('port', p, { listening: false }),
  );
  take(state.mounts, 0.02, 2, ([m, fs]) => put('mount', m, { exists: true, filesystem: fs }));
  put('interface', 'lo', { exists: true, mtu: 65536 });
  if (withCommands)
    take(
      Array.from({ length: checks }, (_, i) => `echo bench-${i}`),
      0.1,
      2,
      (c) => put('command', c, { 'exit-status': 0, stdout: [c.slice(5)] }),
    );
  put('file', '/etc/no-such-file', { exists: false });
  for (const [p, owner, mode] of state.files) {
    if (n + 3 > checks) break;
    put('file', p, { exists: true, owner, mode: mode.padStart(4, '0') });
  }
  while (n < checks && put('file', `/nonexistent/${n}`, { exists: false }));
  if (n !== checks) throw new Error(`built ${n} checks of ${checks}`);
  return `${Object.entries(out)
    .map(([type, rows]) => `${type}:\n${rows.join('\n')}`)
    .join('\n')}\n`;
}

const lastPid = () => Number(sh('cat /proc/sys/kernel/ns_last_pid'));

function run(bin, file) {
  const before = lastPid();
  const t0 = performance.now();
  const r = spawnSync(
    '/usr/bin/time',
    ['-f', '%M %U %S', bin, 'validate', '--target', `docker://${name}`, '-g', file, '-f', 'json'],
    {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    },
  );
  const wall = performance.now() - t0;
  // The reading itself forks one `cat` after the run: not the collector's.
  const pids = lastPid() - before - 1;
  const [maxKb, user, sys] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  const rss = maxKb / 1024;
  const cpu = (user + sys) * 1000;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${bin}: exit ${r.status}\n${r.stderr}`);
  const parsed = JSON.parse(r.stdout).results;
  const results = parsed.map(
    (x) => `${x['resource-type']} ${x['resource-id']} ${x.property} ${x.result} ${x.err ?? ''}`,
  );
  return { wall, cpu, pids, rss, results, failed: parsed.filter((x) => x.result === 1).length };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const dir = mkdtempSync(join(tmpdir(), 'imagegate-fixed-'));
const rows = [
  `load before: ${execFileSync('uptime', { encoding: 'utf8' }).trim()}`,
  '',
  '| checks | mix | build | wall (median) | CPU (median) | processes on target | per check | peak RSS | failed checks per run |',
  '|---|---|---|---|---|---|---|---|---|',
];
try {
  for (const checks of SIZES) {
    for (const withCommands of [true, false]) {
      const mix = withCommands ? 'mix' : 'no-cmd';
      const file = join(dir, `${mix}-${checks}.yaml`);
      writeFileSync(file, suite(checks, withCommands));
      const got = new Map(builds.map((b) => [b.label, []]));
      for (let i = 0; i < rounds; i++) for (const b of builds) got.get(b.label).push(run(b.bin, file));
      // Every run must agree with the first on each check's outcome, or the builds disagree on
      // facts; a check that failed only under load (a command's timeout) is listed, not hidden.
      const reference = got.get(builds[0].label)[0].results;
      for (const b of builds) {
        const rs = got.get(b.label);
        const failedRuns = rs.map((r) => {
          if (r.results.length !== checks)
            throw new Error(`${b.label} ${mix} ${checks}: ${r.results.length} results`);
          const timedOut = (x) => / 1 Command execution timed out/.test(x);
          const diff = r.results.filter(
            (x, i) => x !== reference[i] && !timedOut(x) && !timedOut(reference[i]),
          );
          if (diff.length > 0)
            throw new Error(`${b.label} ${mix} ${checks} differs:\n${diff.slice(0, 10).join('\n')}`);
          return r.failed;
        });
        const pids = median(rs.map((r) => r.pids));
        const failed = failedRuns.join('/');
        rows.push(
          `| ${checks} | ${mix} | ${b.label} | ${(median(rs.map((r) => r.wall)) / 1000).toFixed(2)} s | ${(median(rs.map((r) => r.cpu)) / 1000).toFixed(2)} s | ${pids} | ${(pids / checks).toFixed(3)} | ${median(rs.map((r) => r.rss)).toFixed(0)} MiB | ${failed} |`,
        );
        console.error(rows.at(-1));
      }
    }
  }
  rows.push('', `load after: ${execFileSync('uptime', { encoding: 'utf8' }).trim()}`);
  console.log(rows.join('\n'));
} finally {
  execFileSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
}
