import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Docker from 'dockerode';
import { ExecTimeoutError } from '../../src/suite/transport.js';
import { DockerTransport } from '../../src/transports/docker.js';

/**
 * A local stand-in for AWS Systems Manager Run Command that really runs what it is sent.
 *
 * Why not moto: moto's SendCommand records the command and reports Success without executing
 * anything, so it cannot tell whether a collector works, whether output over the inline limit is
 * reassembled, or whether a timeout kills what the script started. This server speaks the same
 * JSON 1.1 protocol as SSM (X-Amz-Target: AmazonSSM.<Operation>, `__type` errors) for the four
 * operations the transport uses, and behaves like the agent on a real instance:
 * - SendCommand of AWS-RunShellScript writes the `commands` lines to `_script.sh` inside a real
 *   `debian:bookworm` container and runs it with `sh`, honouring `executionTimeout`;
 * - GetCommandInvocation answers InvocationDoesNotExist on the first poll (SSM is eventually
 *   consistent), then Pending, InProgress, and a final Success/Failed/TimedOut/Cancelled with the
 *   script's exit code, stdout cut to its first 24,000 characters and stderr to its first 8,000;
 * - CancelCommand kills the agent's shell (not processes that changed their environment tag);
 * - every `throttleEvery`-th request is refused with ThrottlingException.
 * The SDK is pointed at it with an endpoint override; signatures are not checked.
 */

export const STANDIN_INSTANCE = 'i-0abc1234def567890';

interface Invocation {
  id: string;
  status: 'Pending' | 'InProgress' | 'Success' | 'Failed' | 'TimedOut' | 'Cancelled';
  details: string;
  polls: number;
  stdout: string;
  stderr: string;
  code: number;
  script: string;
  transport?: DockerTransport;
}

export interface SsmStandIn {
  endpoint: string;
  container: string;
  /** Every request by operation name, throttled ones included. */
  calls: { op: string; throttled: boolean; body: Record<string, unknown> }[];
  invocations: Map<string, Invocation>;
  /** Run a command in the container directly (assertions only). */
  sh(cmd: string): string;
  /** Command lines of every process in the container (the image has no `ps`). */
  processes(): string[];
  setThrottleEvery(n: number): void;
  /** Hold every SendCommand reply this long (the command is accepted and runs meanwhile). */
  setSendReplyDelay(ms: number): void;
  /** Register another instance id as a managed node, online, backed by the same container. */
  manage(instanceId: string): void;
  stop(): Promise<void>;
}

export async function startSsmStandIn(
  opts: { throttleEvery?: number; startDelayMs?: number } = {},
): Promise<SsmStandIn> {
  const name = `imagegate-ssm-standin-${randomBytes(4).toString('hex')}`;
  execFileSync(
    'docker',
    [
      'run',
      '-d',
      '--name',
      name,
      '--label',
      'imagegate:ephemeral=true',
      'debian:bookworm',
      'sleep',
      'infinity',
    ],
    { stdio: 'pipe' },
  );
  const container = new Docker().getContainer(name);
  const invocations = new Map<string, Invocation>();
  const calls: SsmStandIn['calls'] = [];
  let throttleEvery = opts.throttleEvery ?? 0;
  let requests = 0;
  const managed = new Set([STANDIN_INSTANCE]);
  let sendReplyDelayMs = 0;

  const run = async (inv: Invocation, timeoutSeconds: number) => {
    await sleep(opts.startDelayMs ?? 300);
    if (inv.status !== 'Pending') return;
    inv.status = 'InProgress';
    inv.transport = new DockerTransport(container, name);
    const dir = `/var/lib/amazon/ssm/${inv.id}`;
    try {
      await inv.transport.exec(`mkdir -p ${dir} && cat >${dir}/_script.sh`, { stdin: inv.script });
      const r = await inv.transport.exec(`cd ${dir} && exec sh _script.sh`, {
        timeoutMs: timeoutSeconds * 1000,
      });
      if (inv.status !== 'InProgress') return;
      inv.stdout = r.stdout.slice(0, 24_000);
      inv.stderr = r.stderr.slice(0, 8_000);
      inv.code = r.exitCode;
      inv.status = r.exitCode === 0 ? 'Success' : 'Failed';
      inv.details = inv.status;
    } catch (err) {
      if (inv.status !== 'InProgress') return;
      inv.status = err instanceof ExecTimeoutError ? 'TimedOut' : 'Failed';
      inv.details = err instanceof ExecTimeoutError ? 'ExecutionTimedOut' : 'Failed';
      inv.code = -1;
    }
  };

  const handlers: Record<string, (body: Record<string, unknown>) => unknown> = {
    DescribeInstanceInformation(body) {
      const filters = (body.Filters as { Key: string; Values: string[] }[] | undefined) ?? [];
      const wanted = filters.find((f) => f.Key === 'InstanceIds')?.Values ?? [...managed];
      return {
        InstanceInformationList: wanted
          .filter((id) => managed.has(id))
          .map((id) => ({ InstanceId: id, PingStatus: 'Online', PlatformType: 'Linux' })),
      };
    },
    SendCommand(body) {
      if (body.DocumentName !== 'AWS-RunShellScript')
        throw fault('InvalidDocument', 'only AWS-RunShellScript');
      const ids = body.InstanceIds as string[];
      if (ids.length !== 1 || !managed.has(ids[0]!)) throw fault('InvalidInstanceId', 'unknown instance');
      const params = body.Parameters as { commands: string[]; executionTimeout?: string[] };
      const id = randomUUID();
      const inv: Invocation = {
        id,
        status: 'Pending',
        details: 'Pending',
        polls: 0,
        stdout: '',
        stderr: '',
        code: -1,
        // The agent writes each list element as a line of _script.sh.
        script: `${params.commands.join('\n')}\n`,
      };
      invocations.set(id, inv);
      void run(inv, Number(params.executionTimeout?.[0] ?? 3600));
      return {
        Command: { CommandId: id, DocumentName: 'AWS-RunShellScript', Status: 'Pending', InstanceIds: ids },
      };
    },
    GetCommandInvocation(body) {
      const inv = invocations.get(body.CommandId as string);
      if (!inv || !managed.has(body.InstanceId as string)) throw fault('InvocationDoesNotExist', '');
      if (inv.polls++ === 0) throw fault('InvocationDoesNotExist', '');
      return {
        CommandId: inv.id,
        InstanceId: body.InstanceId,
        DocumentName: 'AWS-RunShellScript',
        Status: inv.status,
        StatusDetails: inv.details,
        ResponseCode: inv.code,
        StandardOutputContent: inv.stdout,
        StandardOutputUrl: '',
        StandardErrorContent: inv.stderr,
        StandardErrorUrl: '',
      };
    },
    CancelCommand(body) {
      const inv = invocations.get(body.CommandId as string);
      if (!inv) throw fault('InvalidCommandId', '');
      if (inv.status === 'Pending' || inv.status === 'InProgress') {
        inv.status = 'Cancelled';
        inv.details = 'Cancelled';
        void inv.transport?.close();
      }
      return {};
    },
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const op = String(req.headers['x-amz-target'] ?? '').replace(/^AmazonSSM\./, '');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      requests++;
      const throttled = throttleEvery > 0 && requests % throttleEvery === 0;
      calls.push({ op, throttled, body });
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(payload));
      };
      if (throttled) return reply(400, { __type: 'ThrottlingException', message: 'Rate exceeded' });
      const handler = handlers[op];
      if (!handler) return reply(400, { __type: 'InvalidAction', message: `stand-in has no ${op}` });
      try {
        const answer = handler(body);
        if (op === 'SendCommand' && sendReplyDelayMs > 0) {
          setTimeout(() => reply(200, answer), sendReplyDelayMs);
          return;
        }
        reply(200, answer);
      } catch (err) {
        const f = err as { code?: string; message: string };
        reply(400, { __type: f.code ?? 'InternalServerError', message: f.message });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    container: name,
    calls,
    invocations,
    sh: (cmd) => execFileSync('docker', ['exec', name, 'sh', '-c', cmd], { encoding: 'utf8' }),
    processes: () =>
      execFileSync(
        'docker',
        [
          'exec',
          name,
          'sh',
          '-c',
          'for p in /proc/[0-9]*; do tr "\\0" " " <"$p/cmdline" 2>/dev/null; echo; done',
        ],
        { encoding: 'utf8' },
      )
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    setThrottleEvery(n) {
      throttleEvery = n;
    },
    setSendReplyDelay(ms) {
      sendReplyDelayMs = ms;
    },
    manage(id) {
      managed.add(id);
    },
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      execFileSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
    },
  };
}

function fault(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
