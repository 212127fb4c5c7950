/**
 * The 200-check validate bench with http and dns in it: 120 host checks (files, users, packages,
 * commands) collected by the one collector script, plus 20 `http` checks (status, body) against a
 * server on the target's loopback and 20 `dns` checks (resolvable, addrs) against a DNS server,
 * both spoken by imagegate itself over streams the transport opens on the target (SSH
 * direct-tcpip, the container's network namespace), never with curl or dig in the target.
 *
 *   npx tsc -p bench/validate/tsconfig.network.json && node node_modules/.cache/imagegate-bench/bench/validate/network.js [rounds]
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { ResourceSpec, ResourceType, Suite } from '../../src/suite/model.js';
import { runSuites } from '../../src/suite/run.js';
import type { ExecOptions, Transport } from '../../src/suite/transport.js';
import { openTransport } from '../../src/transports/open.js';
import { encodeName, startDnsServer } from '../../test/helpers/dns-server.js';
import { startSshd } from '../../test/helpers/sshd.js';

const HOST_CHECKS = 120;
const HTTP = 20;
const DNS = 20;

const PERL_HTTP =
  'my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 8088, Listen => 50, ReuseAddr => 1) or die;' +
  'while (my $c = $s->accept) { my $r = ""; while (<$c>) { $r .= $_; last if /^\\r?\\n$/ }' +
  'my ($p) = $r =~ /^\\w+ (\\S+)/; print $c "HTTP/1.0 200 OK\\r\\n\\r\\npath $p\\n"; close $c }';

function spec(type: ResourceType, key: string, attrs: Record<string, unknown>): ResourceSpec {
  return { type, key, attrs, title: '', meta: null, skip: false, source: { file: 'bench', line: 1 } };
}

function buildSuite(container: string, dnsAt: string): Suite {
  const sh = (cmd: string) =>
    execFileSync('docker', ['exec', container, 'sh', '-c', cmd], { encoding: 'utf8' });
  const resources: ResourceSpec[] = [];
  let checks = 0;
  const add = (s: ResourceSpec, limit: number) => {
    const n = Object.keys(s.attrs).filter((k) => k !== 'timeout' && k !== 'server').length;
    if (checks + n > limit) return;
    resources.push(s);
    checks += n;
  };
  for (const line of sh("stat -c '%n|%U' /usr/bin/* | head -n 30").trim().split('\n')) {
    const [path, owner] = line.split('|');
    add(spec('file', path!, { exists: true, owner }), HOST_CHECKS);
  }
  for (const line of sh('getent passwd | head -n 10').trim().split('\n')) {
    const f = line.split(':');
    add(spec('user', f[0]!, { exists: true, uid: Number(f[2]), home: f[5] }), HOST_CHECKS);
  }
  for (let i = 0; checks < HOST_CHECKS; i++) {
    add(spec('command', `echo bench-${i}`, { 'exit-status': 0, stdout: [`bench-${i}`] }), HOST_CHECKS);
  }
  for (let i = 0; i < HTTP; i++) {
    add(
      spec('http', `http://localhost:8088/p${i}`, { status: 200, body: [`path /p${i}`], timeout: 10_000 }),
      1e9,
    );
  }
  for (let i = 0; i < DNS; i++) {
    add(
      spec('dns', `A:h${i}.bench.test`, {
        resolvable: true,
        addrs: [`10.0.0.${i}`],
        server: dnsAt,
        timeout: 10_000,
      }),
      1e9,
    );
  }
  return { name: 'bench', digest: '', resources, warnings: [] };
}

function counting(real: Transport): Transport & { execs: number; connects: number } {
  const t = {
    execs: 0,
    connects: 0,
    exec: (script: string, opts?: ExecOptions) => {
      t.execs++;
      return real.exec(script, opts);
    },
    connect: (host: string, port: number, ms: number): Promise<Duplex> => {
      t.connects++;
      return real.connect!(host, port, ms);
    },
    // The container's configured environment (HTTP_PROXY for http checks) costs no exec.
    env: real.env?.bind(real),
    close: () => real.close(),
    describe: () => real.describe(),
  };
  return t;
}

async function measure(label: string, suite: Suite, open: () => Promise<Transport>, rounds: number) {
  const rows: string[] = [];
  for (let round = 1; round <= rounds; round++) {
    const real = await open();
    if (!real.connect)
      throw new Error(`${label}: this transport cannot open streams here (root and nsenter?)`);
    const t = counting(real);
    try {
      const t0 = performance.now();
      const { run } = await runSuites([suite], t);
      const ms = performance.now() - t0;
      if (run.summary['test-count'] !== HOST_CHECKS + 2 * (HTTP + DNS) || run.summary['failed-count'] !== 0) {
        const failures = run.results.filter((r) => r.result === 1).map((r) => r['summary-line']);
        throw new Error(`${label}: ${run.summary['summary-line']}\n${failures.slice(0, 5).join('\n')}`);
      }
      rows.push(
        `| ${label} | ${round} | ${run.summary['test-count']} | ${ms.toFixed(0)} ms | ${t.execs} | ${t.connects} |`,
      );
      console.error(rows.at(-1));
    } finally {
      await t.close();
    }
  }
  return rows;
}

function gatewayOf(container: string): string {
  return execFileSync(
    'docker',
    ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.Gateway}}{{end}}', container],
    { encoding: 'utf8' },
  ).trim();
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 3);
  const zone = Array.from(
    { length: DNS },
    (_, i) => [`h${i}.bench.test.`, 1, Buffer.from([10, 0, 0, i])] as [string, number, Buffer],
  );
  zone.push(['bench.test.', 2, encodeName('ns.bench.test')]);
  const dns = await startDnsServer(zone, '0.0.0.0');
  const name = `imagegate-bench-network-${randomBytes(4).toString('hex')}`;
  execFileSync('docker', [
    'run',
    '-d',
    '--name',
    name,
    '--label',
    'imagegate:ephemeral=true',
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
    for (const c of [name, sshd.containerId]) {
      execFileSync('docker', ['exec', '-d', c, 'perl', '-MIO::Socket::INET', '-e', PERL_HTTP]);
    }
    await new Promise((r) => setTimeout(r, 500));
    const rows = [
      '| target | round | checks | imagegate | execs | TCP streams (http + dns) |',
      '|---|---|---|---|---|---|',
      ...(await measure(
        'docker (netns relay)',
        buildSuite(name, `${gatewayOf(name)}:${dns.port}`),
        () => openTransport(`docker://${name}`),
        rounds,
      )),
      ...(await measure(
        'SSH (direct-tcpip)',
        buildSuite(sshd.containerId, `${gatewayOf(sshd.containerId)}:${dns.port}`),
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
    dns.server.close();
  }
}

await main();
