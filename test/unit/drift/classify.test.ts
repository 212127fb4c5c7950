import { describe, expect, it } from 'vitest';
import {
  classifyHost,
  compareRuns,
  exitCodeOf,
  newerSuccessor,
  summarise,
} from '../../../src/drift/classify.js';
import type { Host } from '../../../src/drift/model.js';
import type { Verdict } from '../../../src/evidence/verdict.js';
import { makeVerdict } from '../../helpers/verdicts.js';

type R = Parameters<typeof compareRuns>[0][number];
const res = (id: string, property: string, result: 0 | 1 | 2, extra: Partial<R> = {}): R => ({
  'resource-type': 'File',
  'resource-id': id,
  property,
  result,
  'summary-line': `File: ${id}: ${property}: ${result === 2 ? 'skipped' : result ? 'Expected…' : 'matches'}`,
  meta: null,
  ...extra,
});

const host: Host = { name: 'web-1', target: 'docker://web-1', source: 'label app=web' };

describe('compareRuns', () => {
  const promoted = [res('/etc/a', 'exists', 0), res('/etc/a', 'mode', 0), res('/etc/b', 'exists', 2)];

  it('drift is a check that passed at promotion and fails now; passing ones are not listed', () => {
    const c = compareRuns(promoted, [res('/etc/a', 'exists', 0), res('/etc/a', 'mode', 1)]);
    expect(c.drifted).toEqual([
      expect.objectContaining({ id: '/etc/a', property: 'mode', was: 'passed at promotion' }),
    ]);
    expect(c.unverified).toEqual([]);
  });

  it('a check the promotion skipped or never ran fails now: listed as unverified, not drift', () => {
    const c = compareRuns(promoted, [res('/etc/b', 'exists', 1), res('/etc/new', 'exists', 1)]);
    expect(c.drifted).toEqual([]);
    expect(c.unverified.map((u) => u.id)).toEqual(['/etc/b', '/etc/new']);
  });

  it('a live-only check failing is drift even though the image test skipped it', () => {
    const meta = { imagegate: { when: 'live' } };
    const c = compareRuns(
      [res('/etc/machine-id', 'size', 2, { meta })],
      [res('/etc/machine-id', 'size', 1, { meta })],
    );
    expect(c.drifted).toEqual([expect.objectContaining({ was: 'live-only check' })]);
  });

  it('keys on type too: a package and a file of one name are different checks', () => {
    const c = compareRuns(
      [res('curl', 'installed', 0, { 'resource-type': 'Package' })],
      [res('curl', 'installed', 1)],
    );
    expect(c.drifted).toEqual([]);
    expect(c.unverified).toHaveLength(1);
  });

  it('skipped checks carry the reason from their summary line', () => {
    const c = compareRuns(promoted, [
      res('/etc/machine-id', 'exists', 2, {
        'summary-line':
          'File: /etc/machine-id: exists: skipped (boot-only check (meta.imagegate.when: boot), not run on a live host)',
      }),
      res('/etc/c', 'exists', 2),
    ]);
    expect(c.skipped.map((s) => s.reason)).toEqual([
      'boot-only check (meta.imagegate.when: boot), not run on a live host',
      'skip: true in the suite',
    ]);
  });
});

describe('newerSuccessor', () => {
  const v = (id: string, at: string, extra: Partial<Verdict> = {}): Verdict => ({
    ...makeVerdict({ kind: 'docker-image', id, reference: `reg.example:5000/web:${id.slice(-1)}` }),
    timings: { startedAt: at, finishedAt: at },
    ...extra,
  });
  const current = v('sha256:1', '2026-11-01T00:00:00Z');

  it('the newest passing verdict of the same repository about another image, tested later', () => {
    const older = v('sha256:0', '2026-10-01T00:00:00Z');
    const newer = v('sha256:2', '2026-11-02T00:00:00Z');
    const newest = v('sha256:3', '2026-11-03T00:00:00Z');
    const failed = v('sha256:4', '2026-11-04T00:00:00Z', { passed: false });
    expect(
      newerSuccessor(
        current,
        [older, newest, newer, failed, current].map((verdict) => ({ verdict })),
      )?.artifact.id,
    ).toBe('sha256:3');
  });

  it('another repository, or a re-test of the same image, is no successor', () => {
    const other = { ...v('sha256:5', '2026-12-01T00:00:00Z') };
    other.artifact = { ...other.artifact, reference: 'reg.example:5000/db:5' };
    const retest = v('sha256:1', '2026-12-01T00:00:00Z');
    expect(newerSuccessor(current, [{ verdict: other }, { verdict: retest }])).toBeUndefined();
  });

  it('the imagegate.yaml image name groups versions when there is one', () => {
    const a = v('sha256:1', '2026-11-01T00:00:00Z', { image: 'web' });
    const b = { ...v('sha256:9', '2026-11-05T00:00:00Z', { image: 'web' }) };
    b.artifact = { ...b.artifact, reference: 'elsewhere/anything:9' };
    expect(newerSuccessor(a, [{ verdict: b }])?.artifact.id).toBe('sha256:9');
  });
});

describe('classifyHost and the exit code', () => {
  const drifted = {
    drifted: [{ type: 'File', id: '/x', property: 'mode', was: 'passed at promotion' as const, now: 'x' }],
    unverified: [],
    skipped: [],
  };

  it('orders findings worst first and keeps every reason', () => {
    const r = classifyHost({
      host: { ...host, retired: 'ami-1 was deprecated at …' },
      comparison: drifted,
      successor: { id: 'sha256:2', reference: 'web:2', testedAt: 't' },
    });
    expect(r.status).toBe('drift');
    expect(r.findings).toEqual(['drift', 'retired', 'superseded']);
    expect(r.reasons).toEqual(['ami-1 was deprecated at …']);
  });

  it('a host with nothing found is ok', () => {
    const r = classifyHost({ host, comparison: { drifted: [], unverified: [], skipped: [] } });
    expect(r).toMatchObject({ status: 'ok', findings: [] });
  });

  it('exit 1 for drift, unpromoted or retired; 3 only for unreachable hosts; superseded alone is 0', () => {
    const code = (...outcomes: Parameters<typeof classifyHost>[0][]) =>
      exitCodeOf({ summary: summarise(outcomes.map(classifyHost)) });
    expect(code({ host })).toBe(0);
    expect(code({ host, successor: { id: 'a', reference: 'b', testedAt: 'c' } })).toBe(0);
    expect(code({ host, unreachable: 'connection refused' })).toBe(3);
    expect(code({ host, unreachable: 'refused' }, { host, comparison: drifted })).toBe(1);
    expect(code({ host, refused: 'no verdict' })).toBe(1);
    expect(code({ host: { ...host, retired: 'gone' } })).toBe(1);
  });

  it('a check failing now that never passed at promotion fails the run only with --fail-on-unverified', () => {
    const failing = { type: 'File', id: '/etc/motd', property: 'exists', now: 'File: /etc/motd: exists' };
    const hosts = [classifyHost({ host, comparison: { drifted: [], unverified: [failing], skipped: [] } })];
    const report = { summary: summarise(hosts), hosts };
    expect(hosts[0]?.status).toBe('ok');
    expect(exitCodeOf(report)).toBe(0);
    expect(exitCodeOf(report, { failOnUnverified: true })).toBe(1);
    const clean = [classifyHost({ host })];
    expect(exitCodeOf({ summary: summarise(clean), hosts: clean }, { failOnUnverified: true })).toBe(0);
  });
});
