import { createHash } from 'node:crypto';
import { SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecTimeoutError } from '../../src/suite/transport.js';
import { SsmTransport } from '../../src/transports/ssm.js';
import { requireDocker } from '../helpers/engines.js';
import { type SsmStandIn, STANDIN_INSTANCE, startSsmStandIn } from '../helpers/ssm-standin.js';

/**
 * The SSM transport through the real AWS SDK against a stand-in that executes commands in a
 * container (test/helpers/ssm-standin.ts says why moto cannot be used: it runs nothing).
 */
let standin: SsmStandIn;
let client: SSMClient;
let ssm: SsmTransport;

beforeAll(async () => {
  requireDocker();
  standin = await startSsmStandIn();
  client = new SSMClient({
    region: 'us-east-1',
    endpoint: standin.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1, // throttling must be survived by the transport's own retry
  });
  ssm = await SsmTransport.open(
    client,
    { instanceId: STANDIN_INSTANCE },
    { pollMs: 100, maxPollMs: 300, retryBaseMs: 50 },
  );
});

afterAll(async () => {
  await ssm?.close();
  client?.destroy();
  await standin?.stop();
});

const opsOf = () => standin.calls.map((c) => c.op);

describe('ssm transport', () => {
  it('returns stdout, stderr, stdin and the exit code exactly, through Pending and InProgress', async () => {
    standin.calls.length = 0;
    const r = await ssm.exec('cat; echo; echo to-err >&2; exit 42', { stdin: "it's \\ 100% $HOME" });
    expect(r).toEqual({ stdout: "it's \\ 100% $HOME\n", stderr: 'to-err\n', exitCode: 42 });
    // One SendCommand for the whole run; polls until final.
    expect(opsOf().filter((o) => o === 'SendCommand')).toHaveLength(1);
    expect(opsOf().filter((o) => o === 'GetCommandInvocation').length).toBeGreaterThanOrEqual(3);
    // The run's directory is gone: small output needs no cleanup command.
    expect(standin.sh('ls -a /tmp | grep -c imagegate-ssm || true').trim()).toBe('0');
  });

  it('reassembles output far over the 24,000-character inline limit, byte for byte', async () => {
    standin.calls.length = 0;
    // ~300 KB of poorly compressible text on stdout, 14 KB on stderr, checked by hash.
    const r = await ssm.exec(
      'head -c 225000 /dev/urandom >/tmp/blob; base64 /tmp/blob; sha256sum </tmp/blob >&2; rm /tmp/blob; i=0; while [ $i -lt 1000 ]; do echo "err line $i" >&2; i=$((i+1)); done',
    );
    expect(r.exitCode).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(300_000);
    const blob = Buffer.from(r.stdout, 'base64');
    expect(blob).toHaveLength(225_000);
    const [hashLine, ...errLines] = r.stderr.split('\n');
    expect(hashLine?.split(' ')[0]).toBe(createHash('sha256').update(blob).digest('hex'));
    expect(errLines).toHaveLength(1001);
    expect(r.stderr).toContain('err line 999\n');
    const sends = standin.calls.filter((c) => c.op === 'SendCommand').length;
    // run + chunks + cleanup; each reply stayed under the limit (the stand-in cuts at 24,000).
    expect(sends).toBeGreaterThan(10);
    for (const inv of standin.invocations.values()) expect(inv.stdout.length).toBeLessThan(24_000);
    expect(standin.sh('ls -a /tmp | grep -c imagegate-ssm || true').trim()).toBe('0');
  });

  it('survives ThrottlingException on every third call', async () => {
    standin.calls.length = 0;
    standin.setThrottleEvery(3);
    try {
      const r = await ssm.exec('seq 1 20000');
      expect(r.stdout.split('\n')).toHaveLength(20001);
      expect(standin.calls.filter((c) => c.throttled).length).toBeGreaterThan(1);
    } finally {
      standin.setThrottleEvery(0);
    }
  });

  it('times out: cancels the command and kills what the script started, children included', async () => {
    standin.calls.length = 0;
    const started = Date.now();
    const pending = ssm
      .exec('sleep 300 & sh -c "sleep 301" & wait', { timeoutMs: 4000 })
      .catch((e: unknown) => e);
    for (let i = 0; i < 100 && !standin.processes().includes('sleep 301'); i++) await sleepMs(100);
    expect(standin.processes()).toEqual(expect.arrayContaining(['sleep 300', 'sleep 301']));
    const err = await pending;
    expect(err).toBeInstanceOf(ExecTimeoutError);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(opsOf(), JSON.stringify(standin.calls.map((c) => [c.op, c.throttled]))).toContain('CancelCommand');
    expect(standin.processes().filter((p) => /^sleep 30[01]$/.test(p))).toEqual([]);
    expect(standin.sh('ls -a /tmp | grep -c imagegate-ssm || true').trim()).toBe('0');
  });

  it('a deadline passing while SendCommand is in flight still cancels that command once its id arrives', async () => {
    standin.calls.length = 0;
    standin.setSendReplyDelay(3000);
    try {
      const err = await ssm.exec('sleep 302', { timeoutMs: 1000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExecTimeoutError);
    } finally {
      standin.setSendReplyDelay(0);
    }
    const cancelled = () =>
      standin.calls.filter((c) => c.op === 'CancelCommand').map((c) => c.body.CommandId);
    for (let i = 0; i < 100 && cancelled().length === 0; i++) await sleepMs(100);
    const runId = [...standin.invocations.values()].find((inv) => inv.script.includes('sleep 302'))?.id;
    expect(cancelled()).toContain(runId);
    for (let i = 0; i < 50 && standin.processes().includes('sleep 302'); i++) await sleepMs(200);
    expect(standin.processes()).not.toContain('sleep 302');
  });

  it('close() cancels an in-flight run and the host is left clean', async () => {
    const t = await SsmTransport.open(
      client,
      { instanceId: STANDIN_INSTANCE },
      { pollMs: 100, retryBaseMs: 50 },
    );
    standin.calls.length = 0;
    const pending = t.exec('sleep 200').catch((e: unknown) => e);
    // Wait until the script is running on the host.
    for (let i = 0; i < 100 && !standin.processes().includes('sleep 200'); i++) await sleepMs(100);
    expect(standin.processes()).toContain('sleep 200');
    await t.close();
    expect(await pending).toBeInstanceOf(Error);
    expect(opsOf()).toContain('CancelCommand');
    expect(standin.processes()).not.toContain('sleep 200');
    expect(standin.sh('ls -a /tmp | grep -c imagegate-ssm || true').trim()).toBe('0');
  });

  it('fails clearly for an instance SSM does not manage', async () => {
    await expect(SsmTransport.open(client, { instanceId: 'i-00000000000000000' })).rejects.toThrow(
      /ssm:\/\/i-00000000000000000: not a managed node .*AmazonSSMManagedInstanceCore/,
    );
  });
});

function sleepMs(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
