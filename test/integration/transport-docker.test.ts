import { execFileSync } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transport } from '../../src/suite/transport.js';
import { openTransport } from '../../src/transports/open.js';
import { requireDocker } from '../helpers/engines.js';

const LABEL = 'imagegate-test=transport-docker';
let container: string;
let docker: Transport;

beforeAll(async () => {
  requireDocker();
  container = execFileSync(
    'docker',
    ['run', '-d', '--label', LABEL, 'debian:bookworm', 'sleep', 'infinity'],
    { encoding: 'utf8' },
  ).trim();
  docker = await openTransport(`docker://${container}`);
});

afterAll(() => {
  if (container) execFileSync('docker', ['rm', '-f', container], { stdio: 'ignore' });
});

describe('docker transport', () => {
  it('feeds stdin exactly, demultiplexes stdout and stderr and returns the exit code', async () => {
    const r = await docker.exec('cat; echo; echo to-err >&2; exit 42', { stdin: 'no newline at end' });
    expect(r).toEqual({ stdout: 'no newline at end\n', stderr: 'to-err\n', exitCode: 42 });
    expect(docker.describe()).toBe(`docker://${container}`);
  });

  it('passes binary stdin byte for byte', async () => {
    const bytes = Buffer.from([0, 1, 39, 92, 37, 10, 255, 200]);
    const r = await docker.exec('od -An -tu1 | tr -s " " | sed "s/^ //"', { stdin: bytes });
    expect(r.stdout.trim()).toBe('0 1 39 92 37 10 255 200');
  });

  it('runs a command that reads stdin without it swallowing the rest of the script', async () => {
    const r = await docker.exec('read -r first\necho "got $first"\necho after');
    expect(r).toMatchObject({ stdout: 'got \nafter\n', exitCode: 0 });
  });

  it('treats a hostile-looking string in the script as data', async () => {
    const r = await docker.exec(`printf '%s\\n' '"; touch /tmp/pwned; echo "'`);
    expect(r.stdout).toBe('"; touch /tmp/pwned; echo "\n');
    expect((await docker.exec('test -e /tmp/pwned')).exitCode).toBe(1);
  });

  it('returns more than 1 MB of output intact, interleaved with stderr', async () => {
    const r = await docker.exec(`head -c 3000000 /dev/zero | tr '\\0' x; echo done >&2`);
    expect(r.stdout.length).toBe(3_000_000);
    expect(r.stdout).toMatch(/^x+$/);
    expect(r.stderr).toBe('done\n');
  });

  it('kills the script and its children on timeout', async () => {
    const started = Date.now();
    await expect(docker.exec('sleep 300 & sleep 301; echo never', { timeoutMs: 500 })).rejects.toMatchObject({
      name: 'ExecTimeoutError',
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    const left = await docker.exec(
      'for p in /proc/[0-9]*; do read -r c < "$p/cmdline" 2>/dev/null && echo "$c"; done | grep -c "^sleep30" || true',
    );
    expect(left.stdout.trim()).toBe('0');
  });

  it('names a missing or stopped container in a one-line error', async () => {
    await expect(openTransport('docker://imagegate-no-such-container')).rejects.toThrow(
      'docker://imagegate-no-such-container: no such container',
    );
    const stopped = execFileSync('docker', ['create', '--label', LABEL, 'debian:bookworm', 'true'], {
      encoding: 'utf8',
    }).trim();
    try {
      await expect(openTransport(`docker://${stopped}`)).rejects.toThrow(/container is not running/);
    } finally {
      execFileSync('docker', ['rm', '-f', stopped], { stdio: 'ignore' });
    }
  });

  it('reaches an engine DOCKER_HOST names over tcp:// (through docker-modem) as over the socket', async () => {
    // A TCP listener in front of this machine's socket stands in for a remote engine.
    // Half-open both ways: exec half-closes its stdin and then reads the output.
    const proxy = createServer({ allowHalfOpen: true }, (c) => {
      const s = connect({ path: '/var/run/docker.sock', allowHalfOpen: true });
      c.pipe(s).pipe(c);
      c.on('error', () => s.destroy());
      s.on('error', () => c.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const port = (proxy.address() as { port: number }).port;
    const before = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = `tcp://127.0.0.1:${port}`;
    let remote: Transport | undefined;
    try {
      remote = await openTransport(`docker://${container}`);
      const r = await remote.exec('cat; echo to-err >&2; exit 3', { stdin: 'over tcp' });
      expect(r).toEqual({ stdout: 'over tcp', stderr: 'to-err\n', exitCode: 3 });
      await expect(openTransport('docker://imagegate-no-such-container')).rejects.toThrow(
        /no such container/,
      );
    } finally {
      if (before === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = before;
      await remote?.close();
      proxy.close();
    }
  });

  it('says the engine cannot be reached when DOCKER_HOST names a socket that is not there', async () => {
    const before = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    try {
      await expect(openTransport(`docker://${container}`)).rejects.toThrow(
        /cannot reach the Docker Engine \(connect ENOENT \/nonexistent\/docker.sock\)/,
      );
    } finally {
      if (before === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = before;
    }
  });
});
