/**
 * What a transport costs per round trip and per megabyte, and what booting and tearing down an
 * ephemeral docker target costs — the fixed overhead `imagegate test` adds around the suites.
 *
 *   npx tsc -p bench/transports/tsconfig.json && node node_modules/.cache/imagegate-bench/bench/transports/transports.js [rounds]
 */
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { DockerTestConfig } from '../../src/config/types.js';
import type { Transport } from '../../src/suite/transport.js';
import { DockerTarget } from '../../src/targets/docker-target.js';
import { openTransport } from '../../src/transports/open.js';
import { SshTransport } from '../../src/transports/ssh.js';
import { startSshd } from '../../test/helpers/sshd.js';

const rounds = Number(process.argv[2] ?? 20);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timeIt(
  n: number,
  fn: () => Promise<unknown>,
): Promise<{ med: number; min: number; max: number }> {
  await fn();
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    xs.push(performance.now() - t);
  }
  return { med: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

const fmt = (r: { med: number; min: number; max: number }) =>
  `${r.med.toFixed(1)} ms (min ${r.min.toFixed(1)}, max ${r.max.toFixed(1)})`;

async function transportRow(name: string, t: Transport): Promise<void> {
  const trivial = await timeIt(rounds, () => t.exec('true'));
  const big = await timeIt(Math.max(3, rounds / 4), () => t.exec(`head -c 3000000 /dev/zero | tr '\\0' x`));
  const stdin = Buffer.alloc(1_000_000, 'y');
  const withStdin = await timeIt(Math.max(3, rounds / 4), () => t.exec('wc -c', { stdin }));
  console.log(`| ${name} | ${fmt(trivial)} | ${fmt(big)} | ${fmt(withStdin)} |`);
}

const container = execFileSync(
  'docker',
  ['run', '-d', '--label', 'imagegate-bench=transports', 'debian:bookworm', 'sleep', 'infinity'],
  { encoding: 'utf8' },
).trim();
const server = await startSshd();
try {
  console.log(`rounds: ${rounds}\n`);
  console.log('| transport | `true` round trip | 3 MB stdout | 1 MB stdin |');
  console.log('|---|---|---|---|');
  await transportRow('local', await openTransport('local'));
  await transportRow('docker exec', await openTransport(`docker://${container}`));
  const ssh = await SshTransport.connect(
    { user: server.user, host: server.host, port: server.port },
    { identity: server.keyFile, insecureIgnoreHostKey: true },
  );
  await transportRow('ssh (one connection)', ssh);
  await ssh.close();
  const connect = await timeIt(Math.max(3, rounds / 4), async () => {
    const c = await SshTransport.connect(
      { user: server.user, host: server.host, port: server.port },
      { identity: server.keyFile, insecureIgnoreHostKey: true },
    );
    await c.close();
  });
  console.log(`\nssh connect + host key check + auth: ${fmt(connect)}\n`);

  console.log('| docker target | boot | teardown |');
  console.log('|---|---|---|');
  const cases: [string, DockerTestConfig][] = [
    ['debian:bookworm (bash → kept alive)', {}],
    ['configured command (sh -c sleep)', { command: ['sh', '-c', 'exec sleep 600'] }],
    ['image whose command exits at once (probe, then kept alive)', {}],
  ];
  // An image whose own command is not a shell and exits at once: the 1.5 s probe path.
  execFileSync('docker', ['build', '-q', '-t', 'imagegate-bench/one-shot', '-'], {
    input: 'FROM debian:bookworm\nCMD ["echo", "one-shot"]\n',
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  for (const [i, [label, settings]] of cases.entries()) {
    const image = i === 2 ? 'imagegate-bench/one-shot' : 'debian:bookworm';
    const boots: number[] = [];
    const downs: number[] = [];
    for (let i = 0; i < Math.max(3, rounds / 4); i++) {
      const target = new DockerTarget({ mark: { runId: 'bench', ttlSeconds: 600 }, settings });
      let t = performance.now();
      await target.boot({ kind: 'docker-image', id: image, reference: image });
      boots.push(performance.now() - t);
      t = performance.now();
      await target.teardown();
      downs.push(performance.now() - t);
    }
    const r = (xs: number[]) => ({ med: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
    console.log(`| ${label} | ${fmt(r(boots))} | ${fmt(r(downs))} |`);
  }
} finally {
  execFileSync('docker', ['rm', '-f', container], { stdio: 'ignore' });
  server.stop();
}
