import { execFileSync } from 'node:child_process';
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
});
