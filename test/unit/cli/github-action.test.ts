import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * The GitHub Action cannot run here; what can be checked is that it and the example workflow
 * agree: every input the workflow passes exists, every input the action reads is declared, and
 * the workflow installs imagegate only through the action (there is no npm release to install).
 */
const root = resolve(import.meta.dirname, '../../..');
const action = parse(readFileSync(resolve(root, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { required?: boolean; default?: string }>;
  runs: { using: string; steps: Record<string, unknown>[] };
};
const workflowText = readFileSync(resolve(root, 'examples/ci/imagegate.yml'), 'utf8');
const workflow = parse(workflowText) as {
  jobs: Record<string, { steps: { uses?: string; with?: Record<string, unknown> }[] }>;
};

describe('action.yml and the example workflow', () => {
  it('is a composite action that builds imagegate from its own checkout', () => {
    expect(action.runs.using).toBe('composite');
    expect(JSON.stringify(action.runs.steps)).toMatch(/cd \\"\$GITHUB_ACTION_PATH\\"\\nnpm ci/);
  });

  it('reads only inputs it declares', () => {
    const read = [...JSON.stringify(action.runs.steps).matchAll(/inputs\.([a-z-]+)/g)].map((m) => m[1]);
    expect(read.length).toBeGreaterThan(0);
    for (const name of read) expect(Object.keys(action.inputs)).toContain(name);
  });

  it('the workflow passes only declared inputs, always a command, and never installs from npm', () => {
    const uses = Object.values(workflow.jobs).flatMap((j) =>
      j.steps.filter((s) => s.uses?.endsWith('/imagegate@v0')),
    );
    expect(uses.length).toBeGreaterThanOrEqual(4);
    for (const step of uses) {
      expect(step.with?.command).toEqual(expect.any(String));
      for (const key of Object.keys(step.with ?? {})) expect(Object.keys(action.inputs)).toContain(key);
    }
    expect(workflowText).not.toMatch(/npm install -g imagegate/);
  });
});
