import { describe, expect, it } from 'vitest';
import { renderPrune } from '../../../src/report/prune/index.js';
import { planRetention } from '../../../src/retention/plan.js';
import { A, img, input, REGION } from '../retention/plan-input.js';

function report() {
  const keep = img(1, 'web', { id: 'ami-new', name: 'web|new' });
  const old = img(100, 'web', { id: 'ami-old', name: 'web-old' });
  const plan = planRetention(
    input(
      [keep, old],
      { keepNewest: 1, retainAtLeast: 0 },
      {
        failures: [{ account: A, region: 'us-east-1', source: 'instance', error: 'AccessDenied: no' }],
        scopes: [
          { account: A, region: REGION },
          { account: A, region: 'us-east-1' },
        ],
      },
    ),
  );
  return { plan, dryRun: true };
}

describe('renderPrune', () => {
  it('table: summary, incomplete scopes, one aligned row per image with every reason', () => {
    const out = renderPrune(report(), 'table').split('\n');
    expect(out[0]).toBe(
      'dry run: 2 images (2 selected) in 2 account-regions; deprecate 1, disable 0, deregister 0 (no cap), keep 1; 1 account-region(s) incomplete: nothing retired there',
    );
    expect(out[1]).toBe(`INCOMPLETE ${A}/us-east-1 instance: AccessDenied: no`);
    const header = out[3] as string;
    const row = out.find((l) => l.includes('ami-old')) as string;
    expect(row.indexOf('deprecate')).toBe(header.indexOf('ACTION'));
    expect(row).toContain('expired: not among the newest 1, 100 days old; stage-due: deprecate now');
    expect(out.find((l) => l.includes('ami-new'))).toContain(
      'newest: #1 newest of its group (keepNewest 1); young: 1 days old (< 14)',
    );
  });

  it('json: structured decisions and reasons', () => {
    const json = JSON.parse(renderPrune(report(), 'json'));
    expect(json.dryRun).toBe(true);
    expect(json.summary.deprecate).toBe(1);
    expect(json.decisions.map((d: { imageId: string; action: string }) => [d.imageId, d.action])).toEqual([
      ['ami-new', 'keep'],
      ['ami-old', 'deprecate'],
    ]);
    expect(json.decisions[1].reasons[0]).toEqual({
      code: 'expired',
      detail: 'not among the newest 1, 100 days old',
    });
    expect(json.failures).toHaveLength(1);
  });

  it('markdown: escapes pipes and lists incomplete account-regions', () => {
    const md = renderPrune(report(), 'markdown');
    expect(md).toContain('## Incomplete account-regions (nothing retired there)');
    expect(md).toContain('web\\|new');
    expect(md).toMatch(
      /\| `ami-old` \| web-old \| \d{4}-\d{2}-\d{2} \| available \| \*\*deprecate\*\* \| expired: .*<br>stage-due: deprecate now \|/,
    );
  });
});
