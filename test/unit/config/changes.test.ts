import { describe, expect, it } from 'vitest';
import { selectChanged } from '../../../src/config/changes.js';

const root = '/repo';
const images = [
  { name: 'web', paths: ['/repo/packer/web', '/repo/scripts/cleanup.sh', '/repo/goss/web.yaml'] },
  { name: 'worker', paths: ['/repo/packer/worker', '/repo/scripts/cleanup.sh'] },
  { name: 'base', paths: ['/repo/packer/base'] },
];

describe('selectChanged', () => {
  it('selects images whose inputs contain a changed path, with the reason', () => {
    const sel = selectChanged(images, ['/repo/packer/web/files/site.conf'], root);
    expect(sel.filter((s) => s.selected).map((s) => s.name)).toEqual(['web']);
    expect(sel[0]?.because).toEqual(['packer/web/files/site.conf']);
  });

  it('a shared script selects every image that uses it', () => {
    const sel = selectChanged(images, ['/repo/scripts/cleanup.sh'], root);
    expect(sel.filter((s) => s.selected).map((s) => s.name)).toEqual(['web', 'worker']);
  });

  it('does not confuse a sibling directory with the same prefix', () => {
    const sel = selectChanged(
      images,
      ['/repo/packer/web-legacy/old.pkr.hcl', '/repo/packer/baseline.txt'],
      root,
    );
    expect(sel.some((s) => s.selected)).toBe(false);
  });

  it('a changed imagegate.yaml selects all images (rebuilding too much is the safe side)', () => {
    const sel = selectChanged(images, ['/repo/imagegate.yaml'], root, '/repo/imagegate.yaml');
    expect(sel.every((s) => s.selected && s.because.includes('imagegate.yaml'))).toBe(true);
  });
});
