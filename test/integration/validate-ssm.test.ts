import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireDocker } from '../helpers/engines.js';
import { type SsmStandIn, STANDIN_INSTANCE, startSsmStandIn } from '../helpers/ssm-standin.js';

/**
 * `imagegate validate --target ssm://i-…` end to end: the built CLI, the real AWS SDK and a
 * stand-in for SSM Run Command that executes in a debian:bookworm container. moto is not used
 * because its SendCommand executes nothing (see test/helpers/ssm-standin.ts).
 */
const bin = new URL('../../bin/imagegate', import.meta.url).pathname;

let standin: SsmStandIn;
let work: string;
let suite: string;

interface Result {
  'resource-id': string;
  property: string;
  successful: boolean;
}

/** Async, not spawnSync: the stand-in answers from this process's event loop. */
function validate(env: Record<string, string>, ...args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      bin,
      ['validate', ...args],
      { encoding: 'utf8', timeout: 150_000, env: { ...process.env, ...env }, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

beforeAll(async () => {
  requireDocker();
  standin = await startSsmStandIn();
  standin.sh('useradd -m -u 1234 deploy && printf "key=value\\n" >/etc/app.conf');
  work = mkdtempSync(join(tmpdir(), 'imagegate-validate-ssm-'));
  suite = join(work, 'goss.yaml');
  writeFileSync(
    suite,
    [
      'user:',
      '  deploy:',
      '    exists: true',
      '    uid: 1234',
      'file:',
      '  /etc/app.conf:',
      '    exists: true',
      '    contents: ["key=value"]',
      // Its name is a suite string: it must reach the host as one quoted word.
      '  "/tmp/x; touch /tmp/pwned":',
      '    exists: false',
      'package:',
      '  nginx:', // not installed: the failing check
      '    installed: true',
      'command:',
      // ~100 KB of output: four times SSM's inline limit.
      '  big:',
      '    exec: "seq 1 20000"',
      '    exit-status: 0',
      '    stdout: ["20000", "!/^$/"]',
      '  slow:',
      '    exec: "sleep 30"',
      '    exit-status: 0',
      '    timeout: 1000',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  await standin?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const AWS_ENV = {
  AWS_ENDPOINT_URL_SSM: '',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_EC2_METADATA_DISABLED: 'true',
};

describe('validate over SSM', () => {
  it('runs a suite through throttling, output over the inline limit, a timeout and a failure', async () => {
    standin.setThrottleEvery(4);
    standin.calls.length = 0;
    const r = await validate(
      { ...AWS_ENV, AWS_ENDPOINT_URL_SSM: standin.endpoint },
      '-g',
      suite,
      '--target',
      `ssm://${STANDIN_INSTANCE}`,
      '-f',
      'json',
    );
    standin.setThrottleEvery(0);
    expect(r.stderr).not.toMatch(/Error|at .*\.js/);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout) as { results: Result[]; summary: Record<string, number> };
    const failed = json.results.filter((x) => !x.successful).map((x) => `${x['resource-id']} ${x.property}`);
    expect(failed.sort()).toEqual(['nginx installed', 'slow exit-status'].sort());
    expect(JSON.stringify(json.results.find((x) => x['resource-id'] === 'slow'))).toContain(
      'Command execution timed out (1s)',
    );
    expect(json.results.filter((x) => x['resource-id'] === 'big').every((x) => x.successful)).toBe(true);
    expect(standin.calls.some((c) => c.throttled)).toBe(true);
    // More than one command: the collector's output came back in chunks.
    expect(standin.calls.filter((c) => c.op === 'SendCommand' && !c.throttled).length).toBeGreaterThan(2);
    expect(standin.sh('ls /tmp/pwned 2>&1 || true')).toMatch(/No such file/);
    expect(standin.sh('ls -a /tmp | grep -c imagegate || true').trim()).toBe('0');
  });

  it('names an instance SSM does not manage in one line, exit 1', async () => {
    const r = await validate(
      { ...AWS_ENV, AWS_ENDPOINT_URL_SSM: standin.endpoint },
      '-g',
      suite,
      '--target',
      'ssm://i-00000000000000000',
    );
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/ssm:\/\/i-00000000000000000: not a managed node/);
  });

  it('rejects a malformed target as bad input (78)', async () => {
    const r = await validate(AWS_ENV, '-g', suite, '--target', 'ssm://i-0123456789abcdef0?region=$(id)');
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/malformed parameter/);
  });
});
