import { describe, expect, it } from 'vitest';
import { classifyHost, summarise } from '../../../src/drift/classify.js';
import type { DriftReport } from '../../../src/drift/model.js';
import { renderDriftText } from '../../../src/drift/render.js';

function report(): DriftReport {
  const hosts = [
    classifyHost({
      host: { name: 'web-1', target: 'docker://a', source: 'label app=web' },
      image: { kind: 'docker-image', id: 'sha256:1', reference: 'web:1' },
      comparison: {
        drifted: [],
        unverified: [],
        skipped: [{ type: 'File', id: '/etc/machine-id', property: 'exists', reason: 'boot-only check' }],
      },
    }),
    classifyHost({
      host: { name: 'web-2', target: 'docker://b', source: 'label app=web' },
      image: { kind: 'docker-image', id: 'sha256:1', reference: 'web:1' },
      comparison: {
        drifted: [
          {
            type: 'File',
            id: '/etc/app.conf',
            property: 'contents',
            was: 'passed at promotion',
            now: 'File: /etc/app.conf: contents:\nExpected\n    "yes"',
          },
        ],
        unverified: [{ type: 'Package', id: 'curl', property: 'installed', now: 'x' }],
        skipped: [],
      },
      successor: { id: 'sha256:2', reference: 'web:2', testedAt: '2026-12-01T00:00:00Z' },
      changedSuites: ['goss.yaml'],
    }),
    classifyHost({
      host: { name: 'db', target: 'ssh://a@10.0.0.1', source: 'inventory f:2' },
      unreachable: 'connect ECONNREFUSED',
    }),
  ];
  return { schema: 'imagegate.drift/v1', at: 't', hosts, summary: summarise(hosts) };
}

describe('renderDriftText', () => {
  const text = renderDriftText(report());

  it('one line per host with its worst finding and the others', () => {
    expect(text).toMatch(/^web-1 {2}ok {11}web:1$/m);
    expect(text).toMatch(/^web-2 {2}DRIFT {8}web:1 {2}\(also superseded\)$/m);
    expect(text).toMatch(/^db {5}UNREACHABLE {2}\(image unknown\)$/m);
  });

  it('details each finding: the drifted check with its failure indented, reasons, the successor', () => {
    expect(text).toContain(
      'web-2 (docker://b, label app=web):\n  drift: File: /etc/app.conf: contents (passed at promotion)\n    File: /etc/app.conf: contents:\n    Expected',
    );
    expect(text).toContain('  newer promoted image: web:2 (sha256:2, tested 2026-12-01T00:00:00Z)');
    expect(text).toContain('db (ssh://a@10.0.0.1, inventory f:2):\n  connect ECONNREFUSED');
    expect(text).not.toMatch(/^web-1 \(/m);
  });

  it('notes what is not drift, and ends with the counts', () => {
    expect(text).toContain('suites changed since the image was tested: goss.yaml');
    expect(text).toContain('failing, but not passed at promotion (not drift): Package: curl: installed');
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      '3 hosts: 1 ok, 1 drifted, 0 unpromoted, 0 retired, 1 superseded, 1 unreachable; 1 boot-only or skipped check(s) not run (--format json lists them)',
    );
  });
});
