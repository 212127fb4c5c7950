import { execFileSync } from 'node:child_process';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DockerTestConfig } from '../../src/config/types.js';
import { DockerTarget, KEEP_ALIVE } from '../../src/targets/docker-target.js';
import { ImageFailure } from '../../src/targets/target.js';
import { requireDocker } from '../helpers/engines.js';

const RUN = `docker-target-${process.pid}`;
const ONE_SHOT = 'imagegate-test/one-shot:1';
const SHELL_FORM = 'imagegate-test/shell-form:1';
const SHELL_CRASH = 'imagegate-test/shell-crash:1';
const docker = new Docker();
const image = (id: string) => ({ kind: 'docker-image' as const, id, reference: id });
const target = (settings: DockerTestConfig = {}) =>
  new DockerTarget({ mark: { runId: RUN, ttlSeconds: 600 }, settings });
const ours = () =>
  execFileSync('docker', ['ps', '-aq', '--filter', `label=imagegate:run-id=${RUN}`], {
    encoding: 'utf8',
  }).trim();

beforeAll(() => {
  requireDocker();
  // Not a shell and exits at once: the path where the target must notice and keep it alive.
  execFileSync('docker', ['build', '-q', '-t', ONE_SHOT, '-'], {
    input: 'FROM debian:bookworm\nCMD ["echo", "one-shot finished"]\n',
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  // Shell form: Docker stores these as ["/bin/sh", "-c", "…"], the shape of a bare shell.
  for (const [tag, cmd] of [
    [SHELL_FORM, 'CMD touch /tmp/ran-by-cmd && exec sleep 600'],
    [SHELL_CRASH, 'CMD echo "boom: no listener config" >&2; exit 5'],
  ] as const) {
    execFileSync('docker', ['build', '-q', '-t', tag, '-'], {
      input: `FROM debian:bookworm\n${cmd}\n`,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
  }
});

afterAll(() => {
  const left = ours();
  if (left) execFileSync('docker', ['rm', '-f', ...left.split('\n')], { stdio: 'ignore' });
});

describe('docker target', () => {
  it('labels the container for sweep and removes it on teardown, twice safely', async () => {
    const t = target();
    const booted = await t.boot(image('debian:bookworm'));
    const info = await docker.getContainer(String(booted.describe.container)).inspect();
    expect(info.Config.Labels).toMatchObject({
      'imagegate:ephemeral': 'true',
      'imagegate:run-id': RUN,
      'imagegate:ttl': '600',
    });
    expect(Date.now() - Date.parse(info.Config.Labels['imagegate:created-at']!)).toBeLessThan(60_000);
    expect((await booted.transport.exec('echo up')).stdout).toBe('up\n');
    await t.teardown();
    await t.teardown();
    expect(ours()).toBe('');
  });

  it('notices an image command that exits at once and keeps the container alive instead', async () => {
    const t = target();
    const booted = await t.boot(image(ONE_SHOT));
    expect(booted.describe).toMatchObject({ keptAlive: true, command: KEEP_ALIVE });
    expect((await booted.transport.exec('cat /etc/debian_version')).exitCode).toBe(0);
    // The one-shot's own output stays part of the evidence.
    expect(await t.logs()).toContain('one-shot finished');
    await t.teardown();
    expect(ours()).toBe('');
  });

  it("runs a shell-form CMD as the image's own service instead of a keep-alive loop", async () => {
    const t = target();
    const booted = await t.boot(image(SHELL_FORM));
    expect(booted.describe).toMatchObject({
      keptAlive: false,
      command: ['/bin/sh', '-c', 'touch /tmp/ran-by-cmd && exec sleep 600'],
    });
    expect((await booted.transport.exec('test -f /tmp/ran-by-cmd')).exitCode).toBe(0);
    await t.teardown();
    expect(ours()).toBe('');
  });

  it('a shell-form CMD that exits non-zero at boot is the image failing, with its log', async () => {
    const t = target();
    const err = await t.boot(image(SHELL_CRASH)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageFailure);
    expect((err as Error).message).toMatch(/exited with status 5 at boot: boom: no listener config/);
    await t.teardown();
    expect(ours()).toBe('');
  });

  it('records why the container was kept alive', async () => {
    const t = target();
    const booted = await t.boot(image(ONE_SHOT));
    expect(String(booted.describe.keepAliveReason)).toMatch(/exited 0 within/);
    await t.teardown();
  });

  it('fails boot with the last log line when a configured command exits, leaving nothing behind', async () => {
    const t = target({ command: ['sh', '-c', 'echo config missing >&2; exit 3'] });
    await expect(t.boot(image('debian:bookworm'))).rejects.toThrow(
      /exited at boot with status 3: config missing/,
    );
    await t.teardown();
    expect(ours()).toBe('');
  });

  it('publishes configured ports on 127.0.0.1 only', async () => {
    const t = target({ command: ['sleep', '600'], ports: [8080, '53/udp'] });
    const booted = await t.boot(image('debian:bookworm'));
    const ports = booted.describe.ports as Record<string, string>;
    expect(Object.keys(ports).sort()).toEqual(['53/udp', '8080/tcp']);
    expect(Object.values(ports).every((p) => /^127\.0\.0\.1:\d+$/.test(p))).toBe(true);
    await t.teardown();
  });

  it('refuses to boot when a boot-time secret is missing from the environment', async () => {
    const t = new DockerTarget({
      mark: { runId: RUN, ttlSeconds: 600 },
      settings: { envFrom: { TOKEN: 'IMAGEGATE_TEST_UNSET_VAR' } },
      env: {},
    });
    await expect(t.boot(image('debian:bookworm'))).rejects.toThrow(
      'test.docker.envFrom.TOKEN: $IMAGEGATE_TEST_UNSET_VAR is not set',
    );
    await t.teardown();
    expect(ours()).toBe('');
  });

  it('leaves no container when torn down while a boot is in flight', async () => {
    const t = target();
    const boot = t.boot(image('debian:bookworm')).catch((e: Error) => e);
    await t.teardown();
    const result = await boot;
    if (result instanceof Error) expect(result.message).toMatch(/torn down while booting/);
    else await t.teardown();
    expect(ours()).toBe('');
  });
});
