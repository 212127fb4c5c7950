/**
 * imagegate validate beside the tools a user would otherwise pick, on the same target and the
 * same checks: Testinfra (Debian's python3-testinfra) and serverspec (ruby-serverspec), the
 * floor (one `docker exec … true` / `ssh … true`) and imagegate's own collector script run by
 * hand over the same channel. Whole processes, wall time and peak RSS from /usr/bin/time.
 *
 *   npm run build && npx tsc -p bench/compare/tsconfig.json &&
 *   node node_modules/.cache/imagegate-bench-compare/bench/compare/compare.js [--sizes 20,200,1000] [--runs 3] [--slow-from 200] [--slow-runs 1] [--slow-max 1000] [--only docker|ssh]
 *
 * Tools are run in turn within each round (floor, script, imagegate, Testinfra, serverspec), so
 * a drift in the machine's speed touches all of them alike. Every run must pass every check.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Transport } from '../../src/suite/transport.js';
import { startSshd } from '../../test/helpers/sshd.js';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : (args[i + 1] ?? fallback);
};
const SIZES = opt('--sizes', '20,200,1000').split(',').map(Number);
const RUNS = Number(opt('--runs', '3'));
// Testinfra and serverspec take ~0.1–1 s a check: fewer runs of them from --slow-from checks
// on, none above --slow-max (their per-check rate is then read off the smaller sizes).
const SLOW_FROM = Number(opt('--slow-from', '200'));
const SLOW_RUNS = Number(opt('--slow-runs', '1'));
const SLOW_MAX = Number(opt('--slow-max', '1000'));
const ONLY = opt('--only', '');
// Run from the repository's root: the compiled script lives under node_modules/.cache.
const root = process.cwd();
const bin = join(root, 'bin/imagegate');
const suitesScript = join(root, 'bench/compare/suites.mjs');
const specHelperDir = join(root, 'bench/compare/serverspec');
// The suite engine from dist/ (as the CLI runs it): it reads schemas/ relative to itself.
const dist = (m: string) => import(pathToFileURL(join(root, 'dist', m)).href);
const { loadSuite } = (await dist('suite/load.js')) as typeof import('../../src/suite/load.js');
const { runSuites } = (await dist('suite/run.js')) as typeof import('../../src/suite/run.js');
const { openTransport } = (await dist('transports/open.js')) as typeof import('../../src/transports/open.js');

interface Tool {
  name: string;
  argv: string[];
  stdin?: string;
  env?: NodeJS.ProcessEnv;
  slow?: boolean;
}
interface Sample {
  wallMs: number;
  rssKiB: number;
}

function timed(tool: Tool, cwd: string): Sample {
  const out = join(cwd, 'time.out');
  const input = tool.stdin ? openSync(tool.stdin, 'r') : 'ignore';
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-o', out, '-f', '%M', ...tool.argv], {
    cwd,
    stdio: [input, 'pipe', 'pipe'],
    env: { ...process.env, ...tool.env },
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallMs = performance.now() - t0;
  if (typeof input === 'number') closeSync(input);
  if (r.status !== 0) {
    throw new Error(
      `${tool.name} exited ${r.status}:\n${r.stdout.toString().slice(0, 3000)}\n${r.stderr.toString().slice(-2000)}`,
    );
  }
  const rssKiB = Number(readFileSync(out, 'utf8').trim().split('\n').at(-1));
  return { wallMs, rssKiB };
}

/** imagegate's collector script for the suite, as validate sends it, captured on the way. */
async function collectorScript(goss: string, target: string, topts: object, file: string): Promise<void> {
  const suite = await loadSuite(goss);
  const real = await openTransport(target, topts);
  let script = '';
  const capture: Transport = {
    exec: (s, o) => {
      script = s;
      return real.exec(s, o);
    },
    close: () => real.close(),
    describe: () => real.describe(),
  };
  try {
    const { run } = await runSuites([suite], capture);
    if (run.summary['failed-count'] !== 0) throw new Error(`${goss}: ${run.summary['summary-line']}`);
  } finally {
    await capture.close();
  }
  writeFileSync(file, script);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const sec = (ms: number) => (ms / 1000).toFixed(2);

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'imagegate-compare-'));
  const container = `imagegate-bench-compare-${process.pid}`;
  const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();
  console.log(`${new Date().toISOString()}, ${cpus().length} cores; start: ${uptime()}`);
  execFileSync('docker', [
    ...[
      'run',
      '-d',
      '--name',
      container,
      '--label',
      'imagegate:ephemeral=true',
      '--label',
      'imagegate:ttl=2h',
    ],
    ...['--label', `imagegate:created-at=${new Date().toISOString()}`, 'debian:bookworm', 'sleep', '7200'],
  ]);
  const sshd = ONLY === 'docker' ? undefined : await startSshd();
  const rows: string[] = [
    '| target | checks | tool | wall median (min–max) | × floor | × imagegate | peak RSS |',
    '|---|---:|---|---|---:|---:|---:|',
  ];
  try {
    const targets: {
      name: string;
      box: string;
      tools: (dir: string, script: string) => Tool[];
      prep: (dir: string, script: string) => Promise<void>;
    }[] = [];
    if (ONLY !== 'ssh') {
      targets.push({
        name: 'docker exec',
        box: container,
        prep: (dir, script) => collectorScript(join(dir, 'goss.yaml'), `docker://${container}`, {}, script),
        tools: (dir, script) => [
          { name: 'floor: `docker exec … true`', argv: ['docker', 'exec', container, 'true'] },
          {
            name: "imagegate's collector script by hand",
            argv: ['docker', 'exec', '-i', container, 'sh', '-s'],
            stdin: script,
          },
          {
            name: 'imagegate validate',
            argv: [bin, 'validate', '-g', join(dir, 'goss.yaml'), '--target', `docker://${container}`],
          },
          {
            name: 'Testinfra',
            argv: [
              'py.test-3',
              '-q',
              '-p',
              'no:cacheprovider',
              `--hosts=docker://${container}`,
              join(dir, 'test_suite.py'),
            ],
            slow: true,
          },
          {
            name: 'serverspec',
            argv: ['rspec', '-I', specHelperDir, join(dir, 'spec/suite_spec.rb')],
            env: { SPEC_CONTAINER: container },
            slow: true,
          },
        ],
      });
    }
    if (sshd) {
      const kh = join(work, 'known_hosts');
      writeFileSync(kh, `${sshd.knownHostsLine}\n`);
      const cfg = join(work, 'ssh_config');
      writeFileSync(
        cfg,
        `Host igbench\n  HostName ${sshd.host}\n  Port ${sshd.port}\n  User ${sshd.user}\n  IdentityFile ${sshd.keyFile}\n  IdentitiesOnly yes\n  UserKnownHostsFile ${kh}\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n  BatchMode yes\n`,
      );
      const target = `ssh://${sshd.user}@${sshd.host}:${sshd.port}`;
      const topts = { identity: sshd.keyFile, knownHosts: kh };
      targets.push({
        name: 'SSH',
        box: sshd.containerId,
        prep: (dir, script) => collectorScript(join(dir, 'goss.yaml'), target, topts, script),
        tools: (dir, script) => [
          { name: 'floor: `ssh … true`', argv: ['ssh', '-F', cfg, 'igbench', 'true'] },
          {
            name: "imagegate's collector script by hand",
            argv: ['ssh', '-F', cfg, 'igbench', 'sh', '-s'],
            stdin: script,
          },
          {
            name: 'imagegate validate',
            argv: [
              bin,
              'validate',
              '-g',
              join(dir, 'goss.yaml'),
              '--target',
              target,
              '--identity',
              sshd.keyFile,
              '--known-hosts',
              kh,
            ],
          },
          {
            name: 'Testinfra',
            argv: [
              'py.test-3',
              '-q',
              '-p',
              'no:cacheprovider',
              '--hosts=ssh://igbench',
              `--ssh-config=${cfg}`,
              join(dir, 'test_suite.py'),
            ],
            slow: true,
          },
          {
            name: 'serverspec',
            argv: ['rspec', '-I', specHelperDir, join(dir, 'spec/suite_spec.rb')],
            env: {
              SPEC_SSH_HOST: sshd.host,
              SPEC_SSH_PORT: String(sshd.port),
              SPEC_SSH_USER: sshd.user,
              SPEC_SSH_KEY: sshd.keyFile,
              SPEC_SSH_KNOWN_HOSTS: kh,
            },
            slow: true,
          },
        ],
      });
    }
    for (const t of targets) {
      for (const size of SIZES) {
        const dir = join(work, `${t.name.replace(/\W/g, '')}-${size}`);
        execFileSync('node', [suitesScript, t.box, String(size), dir], { stdio: 'inherit' });
        const script = join(dir, 'collector.sh');
        await t.prep(dir, script);
        const tools = t.tools(dir, script);
        const samples = new Map<string, Sample[]>(tools.map((x) => [x.name, []]));
        for (let round = 0; round < RUNS; round++) {
          for (const tool of tools) {
            if (tool.slow && (size > SLOW_MAX || (size >= SLOW_FROM && round >= SLOW_RUNS))) continue;
            const s = timed(tool, dir);
            samples.get(tool.name)!.push(s);
            console.error(
              `${t.name} ${size} ${tool.name}: ${sec(s.wallMs)} s, ${(s.rssKiB / 1024).toFixed(0)} MiB`,
            );
          }
        }
        const floor = median(samples.get(tools[0]!.name)!.map((s) => s.wallMs));
        const ig = median(samples.get('imagegate validate')!.map((s) => s.wallMs));
        for (const tool of tools) {
          const walls = samples.get(tool.name)!.map((s) => s.wallMs);
          if (walls.length === 0) {
            rows.push(`| ${t.name} | ${size} | ${tool.name} | not run (see the smaller sizes) | | | |`);
            continue;
          }
          const m = median(walls);
          rows.push(
            `| ${t.name} | ${size} | ${tool.name} | ${sec(m)} s (${sec(Math.min(...walls))}–${sec(Math.max(...walls))}, n=${walls.length}) | ${(m / floor).toFixed(1)} | ${(m / ig).toFixed(2)} | ${(median(samples.get(tool.name)!.map((s) => s.rssKiB)) / 1024).toFixed(0)} MiB |`,
          );
        }
        console.error(rows.slice(-tools.length).join('\n'));
      }
    }
  } finally {
    execFileSync('docker', ['rm', '-f', container], { stdio: 'ignore' });
    sshd?.stop();
    rmSync(work, { recursive: true, force: true });
  }
  console.log(rows.join('\n'));
  console.log(
    `end: ${uptime()}; load averages ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
}

await main();
