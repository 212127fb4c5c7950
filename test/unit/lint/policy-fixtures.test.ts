import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type LoadedPolicy, loadPolicySet } from '../../../src/lint/policies.js';
import { lintPaths } from '../../../src/lint/run.js';

/**
 * End to end over real template files: every built-in policy has a `bad` fixture whose
 * expected findings are marked in place (`# expect <policy-id>` on the line the finding must
 * point at, in templates, heredocs and script files alike) and a `good` fixture that must not
 * trigger it. Lines are compared exactly, so a finding on the wrong line fails too.
 */
const dir = 'test/fixtures/lint/policies';
const ids = readdirSync(dir).sort();

let policies: LoadedPolicy[];
beforeAll(async () => {
  policies = await loadPolicySet();
});

/** `file:line` of every `expect <id>` marker in the template's files. */
function expected(text: Record<string, string>, id: string): string[] {
  const out: string[] = [];
  for (const [file, body] of Object.entries(text)) {
    body.split('\n').forEach((line, i) => {
      if (new RegExp(`expect ${id}\\b`).test(line)) out.push(`${file}:${i + 1}`);
    });
  }
  return out.sort();
}

async function findingsOf(file: string, id: string) {
  const run = await lintPaths([file], { policies });
  const template = run.templates[0]!;
  const actual = run.findings
    .filter((f) => f.policy === id)
    .map((f) => `${f.file}:${f.line}`)
    .sort();
  return { run, template, actual };
}

describe('built-in policy fixtures', () => {
  it('cover exactly the built-in catalog', () => {
    expect(ids).toEqual(policies.map((p) => p.id).sort());
    expect(ids).toHaveLength(22);
  });

  for (const id of ids) {
    const files = readdirSync(join(dir, id)).filter((f) => /\.(pkr\.hcl|json)$/.test(f));

    it(`${id}: bad fixture reports each marked line, and only those`, async () => {
      const bad = files.find((f) => f.startsWith('bad'));
      expect(bad, `${id} has a bad fixture`).toBeDefined();
      const { template, actual } = await findingsOf(join(dir, id, bad!), id);
      expect(template.syntaxErrors).toEqual([]);
      // JSON has no comments: the legacy-format finding is on the file's first line.
      const want = bad!.endsWith('.json') ? [`${join(dir, id, bad!)}:1`] : expected(template.text, id);
      expect(want.length).toBeGreaterThan(0);
      expect(actual).toEqual(want);
    });

    it(`${id}: good fixture is clean for this policy, which applied there (a pass, not n/a)`, async () => {
      const good = files.find((f) => f.startsWith('good'));
      expect(good, `${id} has a good fixture`).toBeDefined();
      const { run, template, actual } = await findingsOf(join(dir, id, good!), id);
      expect(template.syntaxErrors).toEqual([]);
      expect(actual).toEqual([]);
      expect(run.notApplicable[template.path]).not.toContain(id);
    });
  }
});

describe('whole templates', () => {
  it('a hardened amazon-ebs + docker template produces no finding at all', async () => {
    const run = await lintPaths(['test/fixtures/lint/hardened'], { policies });
    expect(run.findings).toEqual([]);
    expect(run.summary.exitCode).toBe(0);
    // It really exercises the policies: shell from inline and a script file, two sources.
    expect(run.templates[0]!.shell.length).toBeGreaterThan(10);
    expect(run.templates[0]!.sources.map((s) => s.type)).toEqual(['amazon-ebs', 'docker']);
  });

  it("the lesson's Exercise 2 template: every footgun is caught", async () => {
    const run = await lintPaths(['test/fixtures/lint/footguns'], { policies });
    const caught = new Set(run.findings.map((f) => f.policy));
    for (const id of [
      'source-ami-hardcoded',
      'artifact-name-static',
      'ssh-username-root',
      'apt-noninteractive',
      'secret-in-template',
      'remote-script-piped',
      'package-unpinned',
      'cleanup-missing',
      'manifest-missing',
    ]) {
      expect(caught, id).toContain(id);
    }
    expect(run.summary.exitCode).toBe(1);
    // The secret's value never appears in a message.
    expect(run.findings.map((f) => f.message).join('\n')).not.toContain('hunter2');
  });

  it('legacy JSON templates get the same policies, with positions inside the JSON', async () => {
    const run = await lintPaths(['test/fixtures/lint/legacy/template.json'], { policies });
    const at = (id: string) =>
      run.findings.filter((f) => f.policy === id).map((f) => `${f.line}:${f.column}`);
    expect(at('legacy-json-template')).toEqual(['1:1']);
    expect(at('ssh-username-root')).toEqual(['10:23']);
    expect(at('apt-noninteractive')).toEqual(['23:19']);
    // The second inline string of the same line, in a build that also has a docker builder.
    expect(at('systemd-in-container')).toEqual(['23:44']);
    expect(at('post-processor-unscoped')).toEqual(['27:5']);
    expect(at('secret-in-template')).toEqual(['3:20']);
  });
});
