import { randomBytes } from 'node:crypto';
import {
  CancelCommandCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  type GetCommandInvocationCommandOutput,
  SendCommandCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { errorCode, THROTTLING, withRetry } from '../aws/retry.js';
import { type ExecOptions, type ExecResult, ExecTimeoutError, type Transport } from '../suite/transport.js';
import { TargetError } from './errors.js';
import {
  chunkCommand,
  chunkCount,
  cleanupCommand,
  parseChunkOutput,
  parseRunOutput,
  runCommand,
  unpack,
} from './ssm-script.js';
import { wrapScript } from './wrap.js';

export interface SsmEndpoint {
  instanceId: string;
  /** From `?region=`; otherwise the SDK's own resolution (AWS_REGION, profile). */
  region?: string;
}

export interface SsmOptions {
  /** First delay between GetCommandInvocation polls; grows to `maxPollMs`. */
  pollMs?: number;
  maxPollMs?: number;
  /** Chunk commands in flight at once when output spans several chunks. */
  chunkConcurrency?: number;
  /** Seconds SSM waits for the agent to pick a command up before giving up (DeliveryTimedOut). */
  deliveryTimeoutSeconds?: number;
  /** Retry backoff base for throttling, for tests. */
  retryBaseMs?: number;
}

/** Statuses after which GetCommandInvocation will not change any more. */
const FINAL = new Set(['Success', 'Failed', 'TimedOut', 'Cancelled']);

/** SSM's smallest allowed delivery timeout (SendCommand TimeoutSeconds). */
const MIN_DELIVERY_SECONDS = 30;

/**
 * Runs scripts on an EC2 instance (or any SSM managed node) through Systems Manager Run Command:
 * `AWS-RunShellScript` via SendCommand, then GetCommandInvocation until the command is final. No
 * inbound port, no key: the instance's agent polls SSM. The script and its output travel as
 * described in ssm-script.ts (one command per run, one more per 16 KB of packed output).
 */
export class SsmTransport implements Transport {
  /** Runs in flight, by exec token, with their run command once sent: close() stops them. */
  private readonly running = new Map<string, { commandId?: string }>();
  private closed = false;

  constructor(
    private readonly client: SSMClient,
    private readonly endpoint: SsmEndpoint,
    private readonly opts: SsmOptions = {},
  ) {}

  /** Check the node is registered with SSM and online, so a wrong id fails fast and clearly. */
  static async open(client: SSMClient, endpoint: SsmEndpoint, opts: SsmOptions = {}): Promise<SsmTransport> {
    const t = new SsmTransport(client, endpoint, opts);
    let info: { PingStatus?: string } | undefined;
    try {
      const r = await t.retrying(() =>
        client.send(
          new DescribeInstanceInformationCommand({
            Filters: [{ Key: 'InstanceIds', Values: [endpoint.instanceId] }],
          }),
        ),
      );
      info = r.InstanceInformationList?.[0];
    } catch (err) {
      throw new TargetError(`${t.describe()}: cannot reach SSM (${errorText(err)})`, 'connect');
    }
    if (!info)
      throw new TargetError(
        `${t.describe()}: not a managed node in this account and region (the instance needs the SSM agent and an instance profile with AmazonSSMManagedInstanceCore; pass ?region= if it is elsewhere)`,
        'connect',
      );
    if (info.PingStatus !== 'Online')
      throw new TargetError(
        `${t.describe()}: SSM agent is ${info.PingStatus ?? 'not reporting'}; wait for it to come online`,
        'connect',
      );
    return t;
  }

  async exec(script: string, opts: ExecOptions = {}): Promise<ExecResult> {
    if (this.closed) throw new TargetError(`${this.describe()}: transport is closed`, 'connect');
    const token = randomBytes(16).toString('hex');
    // `stopped`: the run timed out or failed; a command id learnt after that is cancelled at once.
    const state: { commandId?: string; stopped?: boolean } = {};
    this.running.set(token, state);
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    try {
      const run = this.command(runCommand(token, wrapScript(script, opts.stdin)), {
        timeoutMs: opts.timeoutMs,
        onSent: (id) => {
          state.commandId = id;
          // The deadline passed while SendCommand was in flight: stop() could not cancel it.
          if (state.stopped) void this.cancel(id);
        },
        abandoned: () => state.stopped === true,
      });
      const outcome =
        opts.timeoutMs === undefined
          ? await run
          : await Promise.race([
              run,
              new Promise<'timeout'>((resolve) => {
                timer = setTimeout(() => resolve('timeout'), opts.timeoutMs);
              }),
            ]);
      if (outcome === 'timeout' || outcome.Status === 'TimedOut') {
        run.catch(() => undefined);
        state.stopped = true;
        done = true;
        await this.stop(token, state.commandId);
        throw new ExecTimeoutError(this.describe(), opts.timeoutMs ?? 0);
      }
      const header = parseRunOutput(this.output(outcome, 'run'));
      const chunks = [header.first];
      const n = chunkCount(header);
      if (n > 1) {
        chunks.push(...(await this.fetchChunks(token, n, header.encoding)));
        // Best-effort: the directory is private to root and holds only this run's output.
        await this.command(cleanupCommand(token, false)).catch(() => undefined);
      }
      done = true;
      const { stdout, stderr } = unpack(header, chunks);
      return { stdout: stdout.toString('utf8'), stderr: stderr.toString('utf8'), exitCode: header.exitCode };
    } catch (err) {
      if (err instanceof ExecTimeoutError || err instanceof TargetError) throw err;
      throw new TargetError(`${this.describe()}: ${errorText(err)}`, 'connect');
    } finally {
      clearTimeout(timer);
      // A run that failed half-way may have left processes or output behind; close() handles its own.
      if (!done && this.running.has(token)) {
        state.stopped = true;
        await this.stop(token, state.commandId);
      }
      this.running.delete(token);
    }
  }

  private async fetchChunks(token: string, n: number, encoding: 'b' | 'x'): Promise<Buffer[]> {
    const out: Buffer[] = new Array(n - 1);
    let next = 1;
    const worker = async () => {
      while (next < n) {
        const i = next++;
        const inv = await this.command(chunkCommand(token, i));
        out[i - 1] = parseChunkOutput(this.output(inv, `chunk ${i}`), i, encoding);
      }
    };
    const lanes = Math.min(this.opts.chunkConcurrency ?? 4, n - 1);
    await Promise.all(Array.from({ length: lanes }, worker));
    return out;
  }

  /** Stdout of a finished invocation, or a one-line error when the command itself failed. */
  private output(inv: GetCommandInvocationCommandOutput, what: string): string {
    if (inv.Status === 'Success') return inv.StandardOutputContent ?? '';
    const detail = (inv.StandardErrorContent ?? '').trim().split('\n')[0] ?? '';
    const status =
      inv.StatusDetails && inv.StatusDetails !== inv.Status
        ? `${inv.Status} (${inv.StatusDetails})`
        : inv.Status;
    throw new Error(`${what} command ${inv.CommandId} ended ${status}${detail ? `: ${detail}` : ''}`);
  }

  /**
   * Send one AWS-RunShellScript command and wait until it is final. Commands of a run stop
   * polling when the transport closes; `cleanup` commands (sent by stop()) do not.
   */
  private async command(
    commands: string,
    opts: {
      timeoutMs?: number | undefined;
      onSent?: (commandId: string) => void;
      /** Stop polling: the caller has given up on this command (and cancelled it). */
      abandoned?: () => boolean;
      cleanup?: boolean;
    } = {},
  ): Promise<GetCommandInvocationCommandOutput> {
    const parameters: Record<string, string[]> = { commands: [commands] };
    // The agent kills the command itself a little after our own deadline, so a host is never
    // left running a collector when imagegate dies before it can cancel.
    if (opts.timeoutMs !== undefined)
      parameters.executionTimeout = [String(Math.ceil(opts.timeoutMs / 1000) + 5)];
    const sent = await this.retrying(() =>
      this.client.send(
        new SendCommandCommand({
          InstanceIds: [this.endpoint.instanceId],
          DocumentName: 'AWS-RunShellScript',
          Comment: opts.cleanup ? 'imagegate cleanup' : 'imagegate collector',
          TimeoutSeconds: Math.max(MIN_DELIVERY_SECONDS, this.opts.deliveryTimeoutSeconds ?? 60),
          Parameters: parameters,
        }),
      ),
    );
    const commandId = sent.Command?.CommandId;
    if (!commandId) throw new Error('SendCommand returned no command id');
    opts.onSent?.(commandId);
    if (this.closed && !opts.cleanup) {
      // close() ran while SendCommand was in flight and could not cancel what it did not know.
      await this.client
        .send(new CancelCommandCommand({ CommandId: commandId, InstanceIds: [this.endpoint.instanceId] }))
        .catch(() => undefined);
      throw new Error('transport closed');
    }
    let wait = this.opts.pollMs ?? 250;
    for (;;) {
      if (this.closed && !opts.cleanup) throw new Error('transport closed');
      if (opts.abandoned?.()) throw new Error('abandoned');
      await sleep(wait);
      wait = Math.min(this.opts.maxPollMs ?? 2000, Math.ceil(wait * 1.5));
      const inv = await this.retrying(
        () =>
          this.client.send(
            new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: this.endpoint.instanceId }),
          ),
        // Right after SendCommand the invocation may not exist yet.
        ['InvocationDoesNotExist'],
      );
      if (inv.Status && FINAL.has(inv.Status)) {
        if (inv.Status === 'TimedOut' && inv.StatusDetails === 'DeliveryTimedOut')
          throw new TargetError(
            `${this.describe()}: the SSM agent did not pick the command up in time (is it running?)`,
            'connect',
          );
        return inv;
      }
    }
  }

  /** Cancel a run's command, kill whatever it started (by token) and remove its directory. */
  private async stop(token: string, commandId: string | undefined): Promise<void> {
    this.running.delete(token);
    if (commandId) await this.cancel(commandId);
    // Cancelling ends the agent's shell, not necessarily its children: kill by token as well.
    await this.command(cleanupCommand(token, true), { cleanup: true }).catch(() => undefined);
  }

  private async cancel(commandId: string): Promise<void> {
    await this.retrying(() =>
      this.client.send(
        new CancelCommandCommand({ CommandId: commandId, InstanceIds: [this.endpoint.instanceId] }),
      ),
    ).catch(() => undefined);
  }

  private retrying<T>(fn: () => Promise<T>, extra: string[] = []): Promise<T> {
    return withRetry(fn, {
      retryOn: [...THROTTLING, ...extra],
      ...(this.opts.retryBaseMs === undefined ? {} : { baseMs: this.opts.retryBaseMs }),
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const runs = [...this.running];
    await Promise.all(runs.map(([token, state]) => this.stop(token, state.commandId)));
  }

  describe(): string {
    return `ssm://${this.endpoint.instanceId}`;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function errorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const code = errorCode(err);
  return message.startsWith(code) || code === 'Error' ? message : `${code}: ${message}`;
}
