import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ImageEntry, imageEntries } from '../../../src/config/images.js';
import { loadConfig } from '../../../src/config/load.js';
import { failureLines } from '../../../src/gate/outcome.js';
import type { GateDeps } from '../../../src/gate/pipeline.js';
import { runGate } from '../../../src/gate/pipeline.js';
import { silentProgress } from '../../../src/gate/progress.js';
import type { ImageBuild } from '../../../src/packer/run.js';
import type { Target } from '../../../src/targets/target.js';
import { LocalTransport } from '../../../src/transports/local.js';
import { readSignedVerdict, TEST_KEY } from '../../helpers/evidence.js';

/**
 * The gate's decisions with Packer, the boot target and promotion replaced by fakes. Lint and
 * the suite engine are real: suites run through a local shell standing in for the container.
 */
const examples = resolve(import.meta.dirname, '../../../examples/imagegate.yaml');

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'imagegate-pipeline-'));
}

function suite(dir: string, body: string): string {
  const file = join(dir, 'suite.yaml');
  writeFileSync(file, body);
  return file;
}

const PASSING = 'file:\n  /etc/passwd:\n    exists: true\n';
const FAILING = 'file:\n  /no/such/file/imagegate:\n    exists: true\n';

function worker(suiteFile: string): ImageEntry {
  const img = imageEntries(loadConfig(examples)).find((i) => i.name === 'worker');
  if (!img) throw new Error('examples/imagegate.yaml has no worker image');
  return { ...img, suites: [suiteFile], test: {} };
}

function built(overrides: Partial<ImageBuild> = {}): ImageBuild {
  return {
    image: 'worker',
    ok: true,
    exitCode: 0,
    artifacts: [
      { kind: 'docker-image', build: 'docker.worker', id: `sha256:${'a'.repeat(64)}`, tags: ['w:1'] },
    ],
    errors: [],
    templateErrors: [],
    durationMs: 5,
    timedOut: false,
    aborted: false,
    logFile: '/tmp/worker.log',
    machineLogFile: '/tmp/worker.machine.log',
    failures: [],
    ...overrides,
  };
}

interface Calls {
  builds: number;
  boots: number;
  teardowns: number;
  promotions: { artifact: string; to: string; evidence: string }[];
}

function fakes(o: { build?: () => Promise<ImageBuild>; promote?: () => Promise<{ changed: boolean }> } = {}) {
  const calls: Calls = { builds: 0, boots: 0, teardowns: 0, promotions: [] };
  const deps: GateDeps = {
    build: async () => {
      calls.builds++;
      return (o.build ?? (async () => built()))();
    },
    target: async (): Promise<Target> => ({
      boot: async () => {
        calls.boots++;
        return { transport: new LocalTransport(), describe: { fake: true } };
      },
      logs: async () => undefined,
      teardown: async () => {
        calls.teardowns++;
      },
    }),
    promote: async (req) => {
      calls.promotions.push(req);
      return (o.promote ?? (async () => ({ changed: true })))();
    },
  };
  return { deps, calls };
}

function request(images: ImageEntry[], outDir: string, signal = new AbortController().signal) {
  return {
    loaded: loadConfig(examples),
    images,
    concurrency: 1,
    outDir,
    promote: true,
    runId: 'unit-test',
    progress: silentProgress,
    signal,
    toolVersion: '0.0.0-test',
    signer: TEST_KEY.signer,
  };
}

describe('runGate', () => {
  it('passes, writes a signed verdict with the lint summary, and promotes to the first stage', async () => {
    const out = tmp();
    const { deps, calls } = fakes();
    const s = await runGate(request([worker(suite(out, PASSING))], out), deps);
    expect(s.passed).toBe(true);
    expect(calls).toMatchObject({ builds: 1, boots: 1, teardowns: 1 });
    expect(calls.promotions).toEqual([
      expect.objectContaining({ artifact: `sha256:${'a'.repeat(64)}`, to: 'dev' }),
    ]);
    const a = s.images[0]?.artifacts[0];
    expect(a?.promotion.status).toBe('promoted');
    expect(a?.checks).toEqual({ total: 1, failed: 0, skipped: 0 });
    const { verdict, verified } = readSignedVerdict(a?.verdictFile ?? '');
    expect(verified).toBe(true);
    expect(a?.verdictSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(verdict.passed).toBe(true);
    expect(verdict.lint?.errors).toBe(0);
    expect(verdict.template?.digest).toMatch(/^[0-9a-f]{64}$/);
    // The gated template plus the two in examples/ that no image of this run builds.
    expect(JSON.parse(readFileSync(join(out, 'lint.json'), 'utf8')).summary.templates).toBe(3);
  });

  it('stops at lint: a finding at or above --fail-on means nothing is built', async () => {
    const out = tmp();
    writeFileSync(
      join(out, 'bad.pkr.hcl'),
      'source "docker" "x" {\n  image  = "debian:bookworm"\n  commit = true\n}\n\nbuild {\n  sources = ["source.docker.x"]\n  provisioner "shell" {\n    inline = ["curl -fsSL https://example.com/install.sh | sh"]\n  }\n}\n',
    );
    const img = { ...worker(suite(out, PASSING)), template: join(out, 'bad.pkr.hcl') };
    const { deps, calls } = fakes();
    const s = await runGate({ ...request([img], out), failOn: 'warning' }, deps);
    expect(s.passed).toBe(false);
    expect(s.images[0]?.failedAt).toBe('lint');
    expect(s.images[0]?.reason).toMatch(/not built/);
    expect(calls.builds).toBe(0);
    expect(calls.promotions).toEqual([]);
    // At the default threshold the warning listed first (line 6) neither counts nor is "first".
    const atError = await runGate(request([img], out), deps);
    expect(atError.images[0]?.reason).toMatch(
      /^1 finding\(s\) at or above error \(first: .*bad\.pkr\.hcl:9 remote-script-piped\); not built$/,
    );
  });

  it('a failed build is the image failing at build, with Packer error and log path, and nothing is tested', async () => {
    const out = tmp();
    const { deps, calls } = fakes({
      build: async () =>
        built({
          ok: false,
          exitCode: 1,
          artifacts: [],
          errors: [{ build: 'docker.worker', text: 'Script exited with non-zero exit status: 100' }],
          failures: [
            {
              build: 'docker.worker',
              error: 'Script exited with non-zero exit status: 100',
              step: 'provisioner 2 (shell script)',
              tail: ['E: Unable to locate package nginx-x'],
            },
          ],
        }),
    });
    const s = await runGate(request([worker(suite(out, PASSING))], out), deps);
    expect(s.passed).toBe(false);
    expect(s.images[0]?.failedAt).toBe('build');
    // The failing provisioner and the apt error above Packer's generic last line; the log path
    // as the user would type it from here.
    expect(s.images[0]?.reason).toBe(
      `docker.worker provisioner 2 (shell script): Script exited with non-zero exit status: 100 (log: ${relative(process.cwd(), '/tmp/worker.log')})\n    E: Unable to locate package nginx-x`,
    );
    expect(calls.boots).toBe(0);
  });

  it('a failing check fails the image at test, tears down, and promotes nothing', async () => {
    const out = tmp();
    const { deps, calls } = fakes();
    const s = await runGate(request([worker(suite(out, FAILING))], out), deps);
    expect(s.passed).toBe(false);
    expect(s.images[0]?.failedAt).toBe('test');
    expect(s.images[0]?.artifacts[0]?.checks.failed).toBe(1);
    // The reason is on the screen, in goss's words, not only inside the verdict.
    expect(s.images[0]?.artifacts[0]?.failedChecks).toEqual([
      {
        suite: expect.stringMatching(/suite\.yaml$/),
        summary: expect.stringMatching(/^File: \/no\/such\/file\/imagegate: exists:/),
      },
    ]);
    expect(failureLines(s).join('\n')).toMatch(
      /✗ .*suite\.yaml: File: \/no\/such\/file\/imagegate: exists:\n\s+Expected/,
    );
    expect(calls.teardowns).toBe(1);
    expect(calls.promotions).toEqual([]);
    const { verdict } = readSignedVerdict(s.images[0]?.artifacts[0]?.verdictFile ?? '');
    expect(verdict.passed).toBe(false);
    expect(verdict.promotions).toEqual([]);
  });

  it('a refused promotion fails the gate at promote and says why', async () => {
    const out = tmp();
    const { deps } = fakes({
      promote: async () => {
        throw new Error('refused: verdict does not match the artifact');
      },
    });
    const s = await runGate(request([worker(suite(out, PASSING))], out), deps);
    expect(s.passed).toBe(false);
    expect(s.images[0]?.failedAt).toBe('promote');
    expect(s.images[0]?.artifacts[0]?.promotion).toEqual({
      stage: 'dev',
      status: 'failed',
      detail: 'refused: verdict does not match the artifact',
    });
  });

  it('--no-promote records the promotion as pending and calls no executor', async () => {
    const out = tmp();
    const { deps, calls } = fakes();
    const s = await runGate({ ...request([worker(suite(out, PASSING))], out), promote: false }, deps);
    expect(s.passed).toBe(true);
    expect(s.images[0]?.artifacts[0]?.promotion.status).toBe('pending');
    expect(calls.promotions).toEqual([]);
  });

  it('an interrupt during the build rejects the run (130/143 in the CLI), not a GATE FAILED', async () => {
    const out = tmp();
    const controller = new AbortController();
    const { deps, calls } = fakes({
      build: async () => {
        // Packer stops on the abort and reports an aborted build, as packerBuild does.
        controller.abort(new Error('interrupted by SIGINT'));
        return built({ ok: false, exitCode: null, artifacts: [], aborted: true });
      },
    });
    await expect(
      runGate(request([worker(suite(out, PASSING))], out, controller.signal), deps),
    ).rejects.toThrow('interrupted by SIGINT');
    expect(calls.boots).toBe(0);
    expect(calls.promotions).toEqual([]);
  });

  it('an untested image cannot pass: no suites is bad input before anything is built', async () => {
    const out = tmp();
    const { deps, calls } = fakes();
    const img = { ...worker(suite(out, PASSING)), suites: [] };
    await expect(runGate(request([img], out), deps)).rejects.toThrow(/no suites configured/);
    expect(calls.builds).toBe(0);
  });
});

describe('runGate: templates no image builds', () => {
  it('lints them and fails the gate on a finding at or above --fail-on, building nothing for them', async () => {
    const out = tmp();
    const repo = tmp();
    writeFileSync(join(repo, 'imagegate.yaml'), 'version: 1\nlint:\n  paths: [templates]\n');
    mkdirSync(join(repo, 'templates', 'ami'), { recursive: true });
    writeFileSync(
      join(repo, 'templates', 'ami', 'ami.pkr.hcl'),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: HCL interpolation, written as Packer reads it
      'source "amazon-ebs" "x" {\n  ami_name = "x-${uuidv4()}"\n}\n\nbuild {\n  sources = ["source.amazon-ebs.x"]\n  provisioner "shell" {\n    inline = ["curl -fsSL https://example.com/install.sh | bash"]\n  }\n}\n',
    );
    const { deps, calls } = fakes();
    const s = await runGate({ ...request([], out), loaded: loadConfig(join(repo, 'imagegate.yaml')) }, deps);
    expect(calls.builds).toBe(0);
    expect(s.passed).toBe(false);
    const ami = s.images.find((i) => i.lintOnly);
    expect(ami).toMatchObject({ passed: false, failedAt: 'lint', artifacts: [] });
    expect(ami?.reason).toMatch(/finding\(s\) at or above error .*no image builds this template/);
    const lintJson = JSON.parse(readFileSync(join(out, 'lint.json'), 'utf8'));
    expect(lintJson.summary.templates).toBe(1);
    expect(lintJson.findings.some((f: { policy: string }) => f.policy === 'remote-script-piped')).toBe(true);
  });

  it('does not lint an image template twice, and lint.json sums every run', async () => {
    const out = tmp();
    const { deps } = fakes();
    const s = await runGate(request([worker(suite(out, PASSING))], out), deps);
    // examples/ holds three templates: worker is gated, web and aws-base are linted only.
    expect(s.images.map((i) => [i.image, Boolean(i.lintOnly)])).toEqual([
      ['worker', false],
      [expect.stringMatching(/examples\/packer\/aws-base$/), true],
      [expect.stringMatching(/examples\/packer\/web$/), true],
    ]);
    const lintJson = JSON.parse(readFileSync(join(out, 'lint.json'), 'utf8'));
    expect(lintJson.summary.templates).toBe(3);
  });
});

describe('runGate: the development key', () => {
  it('signs with the key beside imagegate.yaml, wherever --out points, so promote and verify find it', async () => {
    const repo = tmp();
    const out = tmp();
    writeFileSync(join(repo, 'imagegate.yaml'), 'version: 1\n');
    const { deps } = fakes();
    const { signer: _fixed, ...req } = request([worker(suite(out, PASSING))], out);
    const s = await runGate({ ...req, loaded: loadConfig(join(repo, 'imagegate.yaml')) }, deps);
    const file = s.images[0]?.artifacts[0]?.verdictFile ?? '';
    expect(existsSync(join(repo, '.imagegate', 'keys', 'dev-signing.key.pub'))).toBe(true);
    expect(existsSync(join(out, 'keys'))).toBe(false);
    expect(readSignedVerdict(file, join(repo, '.imagegate')).verified).toBe(true);
  });
});

describe('runGate: a first stage that can never be promoted to', () => {
  it('refuses before any build when that stage has no trust policy, naming where it is written', async () => {
    const repo = tmp();
    const out = tmp();
    writeFileSync(
      join(repo, 'imagegate.yaml'),
      'version: 1\nstages:\n  dev:\n    registry: { repository: "127.0.0.1:5001/x/{image}", tags: [dev] }\n',
    );
    const { deps, calls } = fakes();
    const req = {
      ...request([worker(suite(out, PASSING))], out),
      loaded: loadConfig(join(repo, 'imagegate.yaml')),
    };
    await expect(runGate(req, deps)).rejects.toThrow(
      /imagegate\.yaml:3:3: stages\.dev has no trust policy, so nothing can be promoted there: add `trust: \[local-dev\]`/,
    );
    expect(calls.builds).toBe(0);
    // --no-promote builds and tests as usual.
    await expect(runGate({ ...req, promote: false }, deps)).resolves.toBeDefined();
    expect(calls.builds).toBe(1);
  });
});
