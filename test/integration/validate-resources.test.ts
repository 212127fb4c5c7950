import { execFileSync, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResourceSpec, ResourceType, Suite } from '../../src/suite/model.js';
import type { TestResult } from '../../src/suite/result.js';
import { runSuites } from '../../src/suite/run.js';
import type { ExecOptions, Transport } from '../../src/suite/transport.js';
import { openTransport } from '../../src/transports/open.js';
import { encodeName, startDnsServer } from '../helpers/dns-server.js';
import { requireDocker } from '../helpers/engines.js';
import { type KnownContainer, startKnownContainer } from '../helpers/known-container.js';

/**
 * Every resource type, passing and failing, against a real container of known state
 * (test/helpers/known-container.ts), collected over the real docker exec transport.
 */

let box: KnownContainer;
let transport: Transport;
let execs: string[];

function spec(type: ResourceType, key: string, attrs: Record<string, unknown>, skip = false): ResourceSpec {
  return { type, key, attrs, title: '', meta: null, skip, source: { file: 'test.yaml', line: 1 } };
}

function suite(...resources: ResourceSpec[]): Suite {
  return { name: 'test.yaml', digest: '', resources, warnings: [] };
}

/** Run the specs in one collection and index results by `type key property`. */
async function run(...resources: ResourceSpec[]): Promise<Map<string, TestResult>> {
  const { run } = await runSuites([suite(...resources)], transport);
  return new Map(run.results.map((r) => [`${r['resource-type']} ${r['resource-id']} ${r.property}`, r]));
}

function expectPass(results: Map<string, TestResult>, key: string): void {
  const r = results.get(key);
  expect(r, key).toBeDefined();
  expect(r?.result, `${key}: ${r?.['summary-line']}`).toBe(0);
}

function expectFail(results: Map<string, TestResult>, key: string, err?: RegExp): TestResult {
  const r = results.get(key);
  expect(r, key).toBeDefined();
  expect(r?.result, `${key}: ${r?.['summary-line']}`).toBe(1);
  if (err) expect(r?.err ?? '').toMatch(err);
  return r!;
}

function expectSkip(results: Map<string, TestResult>, key: string): void {
  expect(results.get(key)?.result, key).toBe(2);
}

beforeAll(async () => {
  requireDocker();
  box = startKnownContainer('validate-res');
  const real = await openTransport(`docker://${box.name}`);
  execs = [];
  transport = {
    exec: (script: string, opts?: ExecOptions) => {
      execs.push(script);
      return real.exec(script, opts);
    },
    close: () => real.close(),
    describe: () => real.describe(),
  };
});

afterAll(async () => {
  await transport?.close();
  box?.remove();
});

describe('file', () => {
  it('passes every attribute of a known file and fails wrong ones', async () => {
    const r = await run(
      spec('file', '/srv/data.txt', {
        exists: true,
        mode: '0640',
        owner: 'app',
        uid: 1500,
        group: 'appgrp',
        gid: 1600,
        filetype: 'file',
        size: 24,
        contents: ['hello world', '/^second/', '!absent'],
        sha256: { 'have-len': 64 },
      }),
      spec('file', '/srv/link', { exists: true, filetype: 'symlink', 'linked-to': '/srv/data.txt' }),
      spec('file', '/srv/dir', { exists: true, filetype: 'directory', mode: '0755', owner: 'root' }),
      spec('file', '/srv/bin', { exists: true, size: 10, sha512: { 'have-len': 128 } }),
      spec('file', '/etc/passwd', {
        exists: true,
        mode: '0600',
        owner: 'nobody',
        contents: ['no-such-line'],
      }),
      spec('file', '/nope', { exists: false, mode: '0644' }),
      spec('file', '/nope2', { exists: true, mode: '0644', owner: 'root' }),
    );
    for (const p of [
      'exists',
      'mode',
      'owner',
      'uid',
      'group',
      'gid',
      'filetype',
      'size',
      'contents',
      'sha256',
    ]) {
      expectPass(r, `File /srv/data.txt ${p}`);
    }
    expectPass(r, 'File /srv/link filetype');
    expectPass(r, 'File /srv/link linkedto');
    expectPass(r, 'File /srv/dir filetype');
    expectPass(r, 'File /srv/dir mode');
    expectPass(r, 'File /srv/bin size');
    expectPass(r, 'File /srv/bin sha512');
    expectFail(r, 'File /etc/passwd mode');
    expectFail(r, 'File /etc/passwd owner');
    expectFail(r, 'File /etc/passwd contents');
    // exists: false matches, and goss then skips the rest (its actual value is false).
    expectPass(r, 'File /nope exists');
    expectSkip(r, 'File /nope mode');
    expectFail(r, 'File /nope2 exists');
    expectSkip(r, 'File /nope2 mode');
    expectSkip(r, 'File /nope2 owner');
  });

  it('expands ~ and ~user from the passwd database, as goss does', async () => {
    box.exec('printf x >/root/.probe && printf y >/home/app/.probe');
    const r = await run(
      spec('file', '~/.probe', { exists: true, contents: 'x' }),
      spec('file', '~app/.probe', { exists: true, contents: 'y' }),
      spec('file', '~app', { exists: true, filetype: 'directory' }),
      spec('file', '~nosuchuser/x', { exists: false }),
    );
    expectPass(r, 'File ~/.probe contents');
    expectPass(r, 'File ~app/.probe contents');
    expectPass(r, 'File ~app filetype');
    expectFail(r, 'File ~nosuchuser/x exists', /^user: unknown user nosuchuser$/);
  });

  it('computes md5 on the target', async () => {
    const md5 = box.exec('md5sum /srv/data.txt').split(' ')[0]!;
    const r = await run(
      spec('file', '/srv/data.txt', { exists: true, md5 }),
      spec('file', '/srv/bin', { exists: true, md5 }),
    );
    expectPass(r, 'File /srv/data.txt md5');
    expectFail(r, 'File /srv/bin md5');
  });
});

describe('user and group', () => {
  it('reads passwd and group entries', async () => {
    const r = await run(
      spec('user', 'app', {
        exists: true,
        uid: 1500,
        gid: 1600,
        home: '/home/app',
        shell: '/bin/bash',
        groups: ['appgrp', 'extra'],
      }),
      spec('user', 'root', { exists: true, uid: 1, shell: '/bin/zsh', groups: ['wheel'] }),
      spec('user', 'ghost', { exists: true, uid: 1 }),
      spec('group', 'appgrp', { exists: true, gid: 1600 }),
      spec('group', 'extra', { exists: true, gid: 1 }),
      spec('group', 'ghosts', { exists: false, gid: 5 }),
    );
    for (const p of ['exists', 'uid', 'gid', 'home', 'shell', 'groups']) expectPass(r, `User app ${p}`);
    expectPass(r, 'User root exists');
    expectFail(r, 'User root uid');
    expectFail(r, 'User root shell');
    expectFail(r, 'User root groups');
    expectFail(r, 'User ghost exists');
    expectSkip(r, 'User ghost uid');
    expectPass(r, 'Group appgrp gid');
    expectFail(r, 'Group extra gid');
    expectPass(r, 'Group ghosts exists');
    expectSkip(r, 'Group ghosts gid');
  });
});

describe('command', () => {
  it('runs commands in parallel with their timeouts', async () => {
    const started = Date.now();
    const r = await run(
      spec('command', 'echo hello; echo oops >&2; exit 3', {
        'exit-status': 3,
        stdout: ['hello'],
        stderr: ['/oo/'],
      }),
      spec('command', 'printf "a\\nb\\n"', { 'exit-status': 0, stdout: ['c'] }),
      spec('command', 'slow', { exec: 'sleep 1; echo done', 'exit-status': 0, stdout: ['done'] }),
      spec('command', 'slow2', { exec: 'sleep 1; echo done', 'exit-status': 0 }),
      spec('command', 'sleep 30', { 'exit-status': 0, timeout: 500 }),
    );
    expectPass(r, 'Command echo hello; echo oops >&2; exit 3 exit-status');
    expectPass(r, 'Command echo hello; echo oops >&2; exit 3 stdout');
    expectPass(r, 'Command echo hello; echo oops >&2; exit 3 stderr');
    expectPass(r, 'Command printf "a\\nb\\n" exit-status');
    expectFail(r, 'Command printf "a\\nb\\n" stdout');
    expectPass(r, 'Command slow stdout');
    expectPass(r, 'Command slow2 exit-status');
    expectFail(r, 'Command sleep 30 exit-status', /timed out/);
    // Two 1 s commands and a 0.5 s timeout in parallel: well under their 2.5 s sum.
    expect(Date.now() - started).toBeLessThan(2400);
  });
});

describe('process, port, addr, kernel-param, interface, mount, dns', () => {
  it('observes the running state', async () => {
    const r = await run(
      spec('process', 'sleep', { running: true }),
      spec('process', 'nginx', { running: true }),
      spec('port', 'tcp:8080', { listening: true, ip: ['0.0.0.0'] }),
      spec('port', '8081', { listening: true, ip: ['0.0.0.0'] }),
      spec('port', 'udp:53', { listening: false }),
      spec('addr', 'tcp://127.0.0.1:8080', { reachable: true, timeout: 1000 }),
      spec('addr', 'tcp://127.0.0.1:8081', { reachable: true }),
      spec('kernel-param', 'kernel.ostype', { value: 'Linux' }),
      spec('kernel-param', 'kernel.no_such_param', { value: '1' }),
      // An integer sysctl: read in one go (a byte-wise read at an offset returns EOF).
      spec('kernel-param', 'kernel.pid_max', { value: box.exec('cat /proc/sys/kernel/pid_max').trim() }),
      spec('interface', 'lo', { exists: true, mtu: 65536, addrs: { 'contain-element': '127.0.0.1/8' } }),
      spec('interface', 'eth9', { exists: true, mtu: 1500 }),
      spec('mount', '/proc', {
        exists: true,
        filesystem: 'proc',
        opts: { 'contain-element': 'rw' },
        source: 'proc',
      }),
      spec('mount', '/', { exists: true, filesystem: 'overlay', usage: { lt: 101 } }),
      spec('mount', '/not-mounted', { exists: true, filesystem: 'ext4' }),
      spec('dns', 'localhost', {
        resolvable: true,
        addrs: { 'contain-element': '127.0.0.1' },
        timeout: 2000,
      }),
      spec('dns', 'A:localhost', { resolvable: true, timeout: 2000 }),
      spec('dns', 'no-such-host.invalid', { resolvable: true, timeout: 2000 }),
      spec('dns', 'MX:example.com', { resolvable: true, server: '127.0.0.1' }),
    );
    expectPass(r, 'Process sleep running');
    expectFail(r, 'Process nginx running');
    expectPass(r, 'Port tcp:8080 listening');
    expectPass(r, 'Port tcp:8080 ip');
    expectFail(r, 'Port 8081 listening');
    expectSkip(r, 'Port 8081 ip');
    expectPass(r, 'Port udp:53 listening');
    expectPass(r, 'Addr tcp://127.0.0.1:8080 reachable');
    expectFail(r, 'Addr tcp://127.0.0.1:8081 reachable');
    expectPass(r, 'KernelParam kernel.ostype value');
    expectPass(r, 'KernelParam kernel.pid_max value');
    expectFail(r, 'KernelParam kernel.no_such_param value', /not found/);
    expectPass(r, 'Interface lo exists');
    expectPass(r, 'Interface lo mtu');
    expectPass(r, 'Interface lo addrs');
    expectFail(r, 'Interface eth9 exists');
    expectSkip(r, 'Interface eth9 mtu');
    for (const p of ['exists', 'filesystem', 'opts', 'source']) expectPass(r, `Mount /proc ${p}`);
    expectPass(r, 'Mount / usage');
    expectFail(r, 'Mount /not-mounted exists');
    expectPass(r, 'DNS localhost resolvable');
    expectPass(r, 'DNS localhost addrs');
    expectPass(r, 'DNS A:localhost resolvable');
    expectFail(r, 'DNS no-such-host.invalid resolvable');
    expectFail(r, 'DNS MX:example.com resolvable', /needs dig/);
  });
});

describe('package and service', () => {
  it('reads the dpkg database and SysV scripts; without an init, a service is not enabled or running (goss)', async () => {
    const dpkgVersion = box.exec(`dpkg-query -W -f '\${Version}' dpkg`);
    const r = await run(
      spec('package', 'dpkg', { installed: true, versions: [dpkgVersion] }),
      spec('package', 'base-files', { installed: true, versions: ['0.0-not-this'] }),
      spec('package', 'nginx', { installed: true, versions: ['1'] }),
      spec('service', 'fakesvc', { enabled: true, running: true, runlevels: ['2', '3'] }),
      spec('service', 'sshd', { enabled: false, running: false }),
    );
    expectPass(r, 'Package dpkg installed');
    expectPass(r, 'Package dpkg versions');
    expectFail(r, 'Package base-files versions');
    expectFail(r, 'Package nginx installed');
    expectSkip(r, 'Package nginx versions');
    expectPass(r, 'Service fakesvc enabled');
    expectPass(r, 'Service fakesvc running');
    expectPass(r, 'Service fakesvc runlevels');
    expectPass(r, 'Service sshd enabled');
    expectPass(r, 'Service sshd running');
  });
});

describe('http and matching', () => {
  it('explains that http needs curl or wget when the target has neither', async () => {
    const r = await run(spec('http', 'http://127.0.0.1:8080/', { status: 200 }));
    expectFail(r, 'HTTP http://127.0.0.1:8080/ status', /needs curl or wget/);
  });

  it('requests from the target itself: status, headers, body, redirects, timeout', async () => {
    // The local transport opens the connections; the server runs in this process.
    const server = createServer((req, res) => {
      if (req.url === '/old') {
        res.writeHead(302, { location: '/page' }).end();
      } else if (req.url === '/slow') {
        setTimeout(() => res.end('late'), 3000);
      } else {
        res.writeHead(200, { 'x-served-by': 'test' }).end(`method ${req.method}\nhello body\n`);
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const local = await openTransport('local');
    try {
      const { run: res } = await runSuites(
        [
          suite(
            spec('http', `${base}/old`, {
              status: 200,
              // As Go's net/http, header names arrive canonical.
              headers: ['X-Served-By: test'],
              body: ['hello body', '/^method GET/'],
            }),
            spec('http', `${base}/old?no-follow`, {
              status: 302,
              'no-follow-redirects': true,
              url: `${base}/old`,
            }),
            spec('http', `${base}/page`, { status: 200, method: 'POST', body: ['method POST'] }),
            spec('http', `${base}/wrong`, { status: 404, body: ['never checked'] }),
            spec('http', `${base}/slow`, { status: 200, timeout: 500 }),
            spec('http', 'http://127.0.0.1:1/', { status: 200 }),
          ),
        ],
        local,
      );
      const r = new Map(res.results.map((x) => [`${x['resource-id']} ${x.property}`, x]));
      expectPass(r, `${base}/old status`);
      expectPass(r, `${base}/old Headers`);
      expectPass(r, `${base}/old Body`);
      // goss's resource-id for a url override: KEY: URL.
      expectPass(r, `${base}/old?no-follow: ${base}/old status`);
      expectPass(r, `${base}/page Body`);
      expectFail(r, `${base}/wrong status`);
      expectSkip(r, `${base}/wrong Body`);
      expectFail(r, `${base}/slow status`, /Client\.Timeout exceeded/);
      expectFail(r, 'http://127.0.0.1:1/ status', /^Get "http:\/\/127\.0\.0\.1:1\/": .*ECONNREFUSED/);
    } finally {
      await local.close();
      server.close();
    }
  });

  it("speaks HTTP itself inside a container that has no curl: its loopback, goss's User-Agent, methods", async () => {
    // A server only the container's loopback can reach, written with the perl every Debian has.
    const server =
      'my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 8088, Listen => 5, ReuseAddr => 1) or die;' +
      'while (my $c = $s->accept) { my $r = ""; while (<$c>) { $r .= $_; last if /^\\r?\\n$/ }' +
      'my ($m) = $r =~ /^(\\w+)/; my ($ua) = $r =~ /User-Agent: (\\S+)/i;' +
      'print $c "HTTP/1.0 200 OK\\r\\nx-seen-ua: $ua\\r\\n\\r\\nmethod $m\\n"; close $c }';
    spawnSync('docker', ['exec', '-d', box.name, 'perl', '-MIO::Socket::INET', '-e', server]);
    expect(box.exec('command -v curl wget dig || echo none').trim()).toBe('none');
    const real = await openTransport(`docker://${box.name}`);
    expect(real.connect, 'root with nsenter can enter the container network').toBeDefined();
    try {
      let res: Awaited<ReturnType<typeof runSuites>>['run'] | undefined;
      for (let i = 0; i < 20; i++) {
        res = (
          await runSuites(
            [
              suite(
                spec('http', 'http://localhost:8088/', {
                  status: 200,
                  headers: ['X-Seen-Ua: goss/v0.4.10'],
                  body: ['method GET'],
                }),
                spec('http', 'http://127.0.0.1:8088/p', { status: 200, method: 'PUT', body: ['method PUT'] }),
              ),
            ],
            real,
          )
        ).run;
        if (res.summary['failed-count'] === 0) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      const r = new Map(res!.results.map((x) => [`${x['resource-id']} ${x.property}`, x]));
      expectPass(r, 'http://localhost:8088/ status');
      expectPass(r, 'http://localhost:8088/ Headers');
      expectPass(r, 'http://localhost:8088/ Body');
      expectPass(r, 'http://127.0.0.1:8088/p Body');
    } finally {
      await real.close();
    }
  });

  it('queries a DNS server itself from inside a container that has no dig: every record type', async () => {
    const u16 = (n: number) => Buffer.from([n >> 8, n & 0xff]);
    const { server, port } = await startDnsServer(
      [
        ['db.example.test.', 1, Buffer.from([10, 1, 2, 3])],
        ['example.test.', 15, Buffer.concat([u16(10), encodeName('mail.example.test')])],
        ['example.test.', 16, Buffer.from('\u0003v=1')],
        ['3.2.1.10.in-addr.arpa.', 12, encodeName('db.example.test')],
      ],
      '0.0.0.0',
    );
    // The container reaches this process through its network's gateway.
    const gateway = execFileSync(
      'docker',
      ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.Gateway}}{{end}}', box.name],
      { encoding: 'utf8' },
    ).trim();
    const real = await openTransport(`docker://${box.name}`);
    try {
      const at = `${gateway}:${port}`;
      const { run: res } = await runSuites(
        [
          suite(
            spec('dns', 'A:db.example.test', {
              resolvable: true,
              addrs: ['10.1.2.3'],
              server: at,
              timeout: 3000,
            }),
            spec('dns', 'MX:example.test', {
              resolvable: true,
              addrs: ['10 mail.example.test.'],
              server: at,
              timeout: 3000,
            }),
            spec('dns', 'TXT:example.test', { resolvable: true, addrs: ['v=1'], server: at, timeout: 3000 }),
            spec('dns', 'PTR:10.1.2.3', {
              resolvable: true,
              addrs: ['db.example.test.'],
              server: at,
              timeout: 3000,
            }),
            spec('dns', 'nope.example.test', { resolvable: false, server: at, timeout: 3000 }),
          ),
        ],
        real,
      );
      const r = new Map(res.results.map((x) => [`${x['resource-id']} ${x.property}`, x]));
      for (const key of ['A:db.example.test', 'MX:example.test', 'TXT:example.test', 'PTR:10.1.2.3']) {
        expectPass(r, `${key} resolvable`);
        expectPass(r, `${key} addrs`);
      }
      expectPass(r, 'nope.example.test resolvable');
    } finally {
      await real.close();
      server.close();
    }
  });

  it('evaluates matching locally without collecting anything', async () => {
    const before = execs.length;
    const r = await run(
      spec('matching', 'ok', { content: [1, 2, 3], matches: { 'contain-element': 2 } }),
      spec('matching', 'bad', { content: 'abc', matches: { 'have-prefix': 'x' } }),
    );
    expectPass(r, 'Matching ok matches');
    expectFail(r, 'Matching bad matches');
    expect(execs.length).toBe(before);
  });
});

describe('skip, injection and round trips', () => {
  it('treats a hostile resource name as data, never as shell', async () => {
    const hostile = [
      '/tmp/x; touch /tmp/pwned',
      '/tmp/$(touch /tmp/pwned2)',
      '/tmp/`touch /tmp/pwned3`',
      "/tmp/'; touch /tmp/pwned4; '",
      '/tmp/x\ntouch /tmp/pwned5',
    ];
    const r = await run(
      ...hostile.map((p) => spec('file', p, { exists: false })),
      spec('user', "u'; touch /tmp/pwned6; '", { exists: false }),
      spec('package', '$(touch /tmp/pwned7)', { installed: false }),
      spec('kernel-param', "a'; touch /tmp/pwned8; '", { value: 'x' }),
      spec('service', 's; touch /tmp/pwned9', { running: false }),
    );
    for (const p of hostile) expectPass(r, `File ${p} exists`);
    expect(box.exec('ls /tmp')).not.toMatch(/pwned/);
  });

  it('cannot be fooled by file contents that imitate frames', async () => {
    const before = execs.length;
    // A file echoing frame-like lines; the marker in the next run is random, so nothing forges.
    box.exec("printf '@ig-0000 r0 exists r false\\n@ig-0000 .\\n' > /srv/forge.txt");
    const r = await run(
      spec('file', '/srv/forge.txt', { exists: true, contents: ['@ig-0000 r0 exists r false'] }),
    );
    expectPass(r, 'File /srv/forge.txt exists');
    expectPass(r, 'File /srv/forge.txt contents');
    const script = execs.at(-1)!;
    expect(execs.length).toBe(before + 1);
    expect(script).not.toContain('@ig-0000 ');
  });

  it('collects a suite of every type in exactly one exec, and skips `skip: true` entirely', async () => {
    const before = execs.length;
    const { run: res, execs: n } = await runSuites(
      [
        suite(
          spec('file', '/srv/data.txt', { exists: true }),
          spec('user', 'app', { exists: true }),
          spec('group', 'appgrp', { exists: true }),
          spec('command', 'true', { 'exit-status': 0 }),
          spec('process', 'sleep', { running: true }),
          spec('port', 'tcp:8080', { listening: true }),
          spec('package', 'dpkg', { installed: true }),
          spec('kernel-param', 'kernel.ostype', { value: 'Linux' }),
          spec('mount', '/proc', { exists: true }),
          spec('interface', 'lo', { exists: true }),
          spec('addr', 'tcp://127.0.0.1:8080', { reachable: true }),
          spec('dns', 'localhost', { resolvable: true }),
          spec('service', 'fakesvc', { running: true }),
          spec('file', '/skipped', { exists: true, mode: '0644' }, true),
        ),
      ],
      transport,
    );
    expect(n).toBe(1);
    expect(execs.length).toBe(before + 1);
    expect(res.summary['failed-count']).toBe(0);
    expect(res.summary['skipped-count']).toBe(2);
    expect(execs.at(-1)).not.toContain('/skipped');
  });
});
