import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResourceSpec } from '../../src/suite/model.js';
import { runSuites } from '../../src/suite/run.js';
import type { ExecOptions, Transport } from '../../src/suite/transport.js';
import { openTransport } from '../../src/transports/open.js';
import { requireDocker } from '../helpers/engines.js';

/**
 * goss's http check without `proxy:` goes through HTTP_PROXY from goss's environment, which is
 * the target's: a container started with HTTP_PROXY pointing at a "proxy" on its own loopback
 * (perl, which every Debian has, answering with the request line it got), and no curl.
 */
const name = `imagegate-proxyenv-${randomBytes(4).toString('hex')}`;
const ECHO =
  'my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 8089, Listen => 5, ReuseAddr => 1) or die;' +
  'while (my $c = $s->accept) { my $l = <$c>; $l =~ s/\\r?\\n$//; while (<$c>) { last if /^\\r?\\n$/ }' +
  'print $c "HTTP/1.0 200 OK\\r\\n\\r\\nline $l\\n"; close $c }';

let transport: Transport;

const http = (url: string, body: string): ResourceSpec => ({
  type: 'http',
  key: url,
  attrs: { status: 200, body: [body] },
  title: '',
  meta: null,
  skip: false,
  source: { file: 'proxy.yaml', line: 1 },
});

beforeAll(async () => {
  requireDocker();
  execFileSync('docker', [
    ...['run', '-d', '--rm', '--name', name, '--label', 'imagegate:ephemeral=true'],
    ...['--env', 'HTTP_PROXY=127.0.0.1:8089', '--env', 'NO_PROXY=direct.invalid'],
    ...['debian:bookworm', 'perl', '-MIO::Socket::INET', '-e', ECHO],
  ]);
  transport = await openTransport(`docker://${name}`);
});

afterAll(async () => {
  await transport?.close();
  spawnSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
});

/** The transport with exec counted, and without its `env` when `withEnv` is false. */
function counted(withEnv: boolean): Transport & { execs: number } {
  const t = {
    execs: 0,
    exec: (script: string, opts?: ExecOptions) => {
      t.execs++;
      return transport.exec(script, opts);
    },
    connect: transport.connect?.bind(transport),
    env: withEnv ? transport.env?.bind(transport) : undefined,
    close: async () => {},
    describe: () => transport.describe(),
  };
  return t;
}

describe("http through the target's HTTP_PROXY", () => {
  it.each([
    ["the container's configured environment, no exec", true, 0],
    ['the environment read with one exec (SSH, SSM)', false, 1],
  ])('asks the proxy unless NO_PROXY or loopback exempt the URL: %s', async (_how, withEnv, execs) => {
    expect(transport.connect, 'root with nsenter can enter the container network').toBeDefined();
    let results: Awaited<ReturnType<typeof runSuites>>['run']['results'] = [];
    let t = counted(withEnv);
    for (let i = 0; i < 20; i++) {
      t = counted(withEnv);
      const { run } = await runSuites(
        [
          {
            name: 'proxy.yaml',
            digest: '',
            warnings: [],
            resources: [
              http('http://app.invalid/x', 'line GET http://app.invalid/x HTTP/1.1'),
              // loopback is never proxied: this reaches the echo server as a plain request.
              http('http://127.0.0.1:8089/direct', 'line GET /direct HTTP/1.1'),
              http('http://direct.invalid/', 'unreachable'),
            ],
          },
        ],
        t,
      );
      results = run.results;
      if (results[0]?.result === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const by = (id: string, p: string) => results.find((r) => r['resource-id'] === id && r.property === p);
    expect(
      by('http://app.invalid/x', 'Body')?.result,
      by('http://app.invalid/x', 'Body')?.['summary-line'],
    ).toBe(0);
    expect(by('http://127.0.0.1:8089/direct', 'Body')?.result).toBe(0);
    // NO_PROXY: dialled directly from the container, where the name does not resolve.
    expect(by('http://direct.invalid/', 'status')).toMatchObject({ result: 1 });
    expect(by('http://direct.invalid/', 'status')?.err).toMatch(/direct\.invalid/);
    expect(t.execs).toBe(execs);
  });
});
