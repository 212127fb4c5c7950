import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import type { DockerTestConfig } from '../config/types.js';
import type { ArtifactRef } from '../evidence/verdict.js';
import { DockerTransport } from '../transports/docker.js';
import { FrameDemuxer } from '../transports/docker-frames.js';
import { type EphemeralMark, ephemeralLabels } from './labels.js';
import { type Booted, ImageFailure, InfraError, type Target } from './target.js';

/** PID 1 when the image's own command would exit at once: sleep in a loop, die with the container. */
export const KEEP_ALIVE = ['sh', '-c', 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done'];

/**
 * The longest the image's own command is watched before it counts as a long-running service;
 * one that settles (see `settles`) counts sooner.
 */
const SETTLE_MS = 1500;
/** A configured service command is watched at most this long for an immediate crash. */
const COMMAND_SETTLE_MS = 500;
/**
 * A command has settled when every process of the container was seen blocked waiting (ps state
 * S: on a socket, a timer, a child) on looks spanning this long: a service idling, not a
 * one-shot still at work (running, or in disk I/O), which would go on to exit.
 */
const QUIET_MS = 250;
/** Between two looks at the container: one inspect and one `ps` on the engine's host each. */
const LOOK_EVERY_MS = 50;
/** Log lines quoted when a service dies at boot: enough to see why, short enough for a terminal. */
const CRASH_LINES = 10;

export interface DockerTargetOptions {
  mark: Omit<EphemeralMark, 'createdAt'>;
  settings?: DockerTestConfig;
  docker?: Docker;
  env?: NodeJS.ProcessEnv;
}

/** Boots a docker image as a labelled, ephemeral container and tests it over docker exec. */
export class DockerTarget implements Target {
  private readonly docker: Docker;
  private container: Docker.Container | undefined;
  private earlyExit: string | undefined;
  /** Set by teardown: a create still in flight must not leave a container behind. */
  private closed = false;

  constructor(private readonly opts: DockerTargetOptions) {
    this.docker = opts.docker ?? new Docker();
  }

  async boot(artifact: ArtifactRef): Promise<Booted> {
    const settings = this.opts.settings ?? {};
    const image = await this.inspectImage(artifact.id);
    const config = image.Config ?? {};
    const ownCommand = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
    const command = settings.command;
    // The image runs as it will in production: its own command (shell form included, which
    // Docker stores as `/bin/sh -c …`), judged by what it does, never by the shape of Cmd.
    // A configured command is the service under test: it is never swapped for the sleep loop.
    // An image with no command at all (a `docker import`ed rootfs) has nothing of its own to run.
    const nothingToRun = !command && ownCommand.length === 0;
    let keepAlive = settings.keepAlive ?? (command ? false : nothingToRun ? true : undefined);
    let keepAliveReason: string | undefined =
      nothingToRun && keepAlive ? 'the image has no command' : undefined;
    this.container = await this.create(image.Id, keepAlive === true, command);
    await this.container.start();
    if (keepAlive === undefined && !(await this.settles(SETTLE_MS))) {
      const { ExitCode: status } = (await this.container.inspect()).State;
      this.earlyExit = await this.logs();
      if (status !== 0) {
        // A service that crashes at boot fails the image, with its own words on the terminal.
        throw new ImageFailure(
          `${artifact.reference}: the image's command (${ownCommand.join(' ')}) exited with status ${status} at boot` +
            crashTail(this.earlyExit),
        );
      }
      // The image's command finished cleanly at once (an OS image, a one-shot): keep it alive.
      keepAliveReason = `the image's command (${ownCommand.join(' ')}) exited 0 within ${SETTLE_MS} ms`;
      await this.remove();
      keepAlive = true;
      this.container = await this.create(image.Id, true, undefined);
      await this.container.start();
    }
    // A configured command that dies at once (missing config, bad flag) is the image failing.
    if (keepAlive === false) await this.settles(COMMAND_SETTLE_MS);
    const info = await this.container.inspect();
    if (!info.State.Running) {
      const logs = await this.logs();
      throw new ImageFailure(
        `container for ${artifact.reference} exited at boot with status ${info.State.ExitCode}` +
          crashTail(logs) +
          (command ? '' : ' (set test.docker.command or keepAlive in imagegate.yaml)'),
      );
    }
    const container = this.container;
    return {
      transport: new DockerTransport(container, info.Name.replace(/^\//, ''), info.State.Pid),
      ...(keepAlive ? {} : { exited: this.watchExit(container) }),
      describe: {
        kind: 'docker',
        container: info.Id,
        name: info.Name.replace(/^\//, ''),
        image: image.Id,
        ...(image.RepoDigests?.length ? { repoDigests: image.RepoDigests } : {}),
        // The image's labels carry its SHA / build time / base OS / builder stamps: evidence.
        ...(config.Labels && Object.keys(config.Labels).length ? { labels: config.Labels } : {}),
        command: keepAlive ? KEEP_ALIVE : (command ?? ownCommand),
        keptAlive: Boolean(keepAlive),
        ...(keepAliveReason
          ? { keepAliveReason }
          : settings.keepAlive
            ? { keepAliveReason: 'test.docker.keepAlive' }
            : {}),
        ...(settings.env ? { env: settings.env } : {}),
        ...(settings.envFrom ? { envFromNames: Object.keys(settings.envFrom) } : {}),
        ...(settings.ports?.length ? { ports: publishedPorts(info) } : {}),
      },
    };
  }

  /** Settles if the service stops while suites run; teardown's own removal is not a crash. */
  private watchExit(container: Docker.Container): Promise<string> {
    return new Promise((resolve) => {
      container
        .wait()
        .then(async (r: { StatusCode?: number }) => {
          if (this.closed) return;
          const logs = await this.logs();
          resolve(
            `the service exited with status ${r.StatusCode ?? '?'} while being tested${crashTail(logs)}`,
          );
        })
        .catch(() => {});
    });
  }

  secrets(): string[] {
    const env = this.opts.env ?? process.env;
    return Object.values(this.opts.settings?.envFrom ?? {}).flatMap((from) => {
      const v = env[from];
      return v ? [v] : [];
    });
  }

  private async inspectImage(id: string): Promise<Docker.ImageInspectInfo> {
    try {
      return await this.docker.getImage(id).inspect();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) {
        throw new InfraError(
          `no such docker image "${id}" on this engine (build it first, or check \`docker images\`)`,
        );
      }
      throw new InfraError(`cannot reach the Docker Engine: ${(err as Error).message}`);
    }
  }

  private async create(
    image: string,
    keepAlive: boolean,
    command: string[] | undefined,
  ): Promise<Docker.Container> {
    const settings = this.opts.settings ?? {};
    const env = this.opts.env ?? process.env;
    const vars = Object.entries(settings.env ?? {}).map(([k, v]) => `${k}=${v}`);
    for (const [name, from] of Object.entries(settings.envFrom ?? {})) {
      const value = env[from];
      if (value === undefined)
        throw new InfraError(`test.docker.envFrom.${name}: $${from} is not set in this environment`);
      vars.push(`${name}=${value}`);
    }
    const ports = (settings.ports ?? []).map((p) => (String(p).includes('/') ? String(p) : `${p}/tcp`));
    const created = await this.docker.createContainer({
      Image: image,
      Labels: ephemeralLabels({ ...this.opts.mark, createdAt: new Date() }),
      Env: vars,
      ...(keepAlive
        ? { Entrypoint: KEEP_ALIVE.slice(0, 1), Cmd: KEEP_ALIVE.slice(1) }
        : command
          ? { Cmd: command }
          : {}),
      ...(settings.user ? { User: settings.user } : {}),
      ExposedPorts: Object.fromEntries(ports.map((p) => [p, {}])),
      HostConfig: {
        PortBindings: Object.fromEntries(ports.map((p) => [p, [{ HostIp: '127.0.0.1', HostPort: '' }]])),
        Init: false,
      },
    });
    if (this.closed) {
      await created.remove({ force: true });
      throw new InfraError('torn down while booting');
    }
    return created;
  }

  /**
   * Watch the started container until its command exits (false) or has settled (true): still
   * running, every process seen waiting for QUIET_MS. A command still busy after `ms` counts as
   * running, as a fixed wait would have judged it; a service no longer pays the whole wait.
   */
  private async settles(ms: number): Promise<boolean> {
    const container = this.container!;
    const deadline = Date.now() + ms;
    let quietSince: number | undefined;
    for (;;) {
      if (!(await container.inspect()).State.Running) return false;
      const now = Date.now();
      if (now >= deadline) return true;
      if (await allWaiting(container)) {
        quietSince ??= now;
        if (now - quietSince >= QUIET_MS) return true;
      } else {
        quietSince = undefined;
      }
      await sleep(LOOK_EVERY_MS);
    }
  }

  async logs(): Promise<string | undefined> {
    if (!this.container) return this.earlyExit;
    try {
      const raw = await this.container.logs({ stdout: true, stderr: true, tail: 200, follow: false });
      const demux = new FrameDemuxer();
      demux.push(raw);
      const text = Buffer.concat([...demux.stdout, ...demux.stderr]).toString('utf8');
      const early = this.earlyExit ? `(image command before keep-alive)\n${this.earlyExit}\n` : '';
      return early + text || undefined;
    } catch {
      return this.earlyExit;
    }
  }

  async teardown(): Promise<void> {
    this.closed = true;
    await this.remove();
  }

  private async remove(): Promise<void> {
    const c = this.container;
    this.container = undefined;
    if (!c) return;
    try {
      await c.remove({ force: true, v: true });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 404) throw err;
    }
  }
}

/** Every process of the container is asleep waiting for something (ps STAT S: Ss, Sl, S+, …). */
async function allWaiting(container: Docker.Container): Promise<boolean> {
  try {
    const top = (await container.top({ ps_args: '-o pid,stat' })) as {
      Titles?: string[];
      Processes?: string[][];
    };
    const stat = top.Titles?.indexOf('STAT') ?? -1;
    const procs = top.Processes ?? [];
    return stat >= 0 && procs.length > 0 && procs.every((p) => p[stat]?.startsWith('S'));
  } catch {
    // Exited between the two calls, or an engine whose `top` cannot take ps options: not settled.
    return false;
  }
}

/** `: <last lines of the log>` for an error message, or nothing when there is no log. */
function crashTail(logs: string | undefined): string {
  const lines = (logs ?? '').trim().split('\n').filter(Boolean).slice(-CRASH_LINES);
  if (lines.length === 0) return '';
  return lines.length === 1 ? `: ${lines[0]}` : `; last log lines:\n  ${lines.join('\n  ')}`;
}

function publishedPorts(info: Docker.ContainerInspectInfo): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [port, bindings] of Object.entries(info.NetworkSettings.Ports ?? {})) {
    const b = bindings?.[0];
    if (b) out[port] = `${b.HostIp}:${b.HostPort}`;
  }
  return out;
}
