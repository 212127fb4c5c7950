import { describe, expect, it } from 'vitest';
import { mount, parseMountinfo } from '../../../../src/suite/resources/mount.js';
import { frames, spec } from './helpers.js';

const INFO = `22 1 0:21 / / rw,relatime master:1 - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w
23 22 0:22 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
24 22 8:1 /data /srv/my\\040data ro,relatime shared:2 master:3 - ext4 /dev/sda1 rw,errors=remount-ro
25 22 8:2 / /srv/my\\040data rw,relatime - xfs /dev/sdb1 rw
`;

describe('mount', () => {
  it('parses mountinfo with optional fields and octal escapes', () => {
    const m = parseMountinfo(INFO);
    expect(m[0]).toEqual({
      mountpoint: '/',
      opts: ['rw', 'relatime'],
      filesystem: 'overlay',
      source: 'overlay',
      vfsOpts: ['rw', 'lowerdir=/l', 'upperdir=/u', 'workdir=/w'],
    });
    expect(m[2]?.mountpoint).toBe('/srv/my data');
  });

  it('splits options as goss does: duplicates once, commas inside quotes kept', () => {
    const [m] = parseMountinfo(
      '30 22 0:40 / /mnt rw,nosuid,rw,relatime - fuse.sshfs host:/x rw,label="a,b",,user_id=0\n',
    );
    expect(m?.opts).toEqual(['rw', 'nosuid', 'relatime']);
    expect(m?.vfsOpts).toEqual(['rw', 'label="a,b"', 'user_id=0']);
  });

  it('takes the top mount when one is mounted over another, and usage from df', () => {
    const df =
      'Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sdb1 1000 250 750 25% /srv/my data\n';
    const f = frames(['_mounts', 'info', INFO], ['r0', 'df', df]);
    const facts = mount.facts(spec('mount', '/srv/my data', { usage: 1 }), 'r0', f);
    expect(facts.filesystem).toEqual({ value: 'xfs' });
    expect(facts.source).toEqual({ value: '/dev/sdb1' });
    expect(facts.usage).toEqual({ value: 25 });
    expect(mount.facts(spec('mount', '/nope'), 'r0', f).exists).toEqual({ value: false });
  });
});
