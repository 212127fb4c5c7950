import { describe, expect, it } from 'vitest';
import { installedVersions, pkg } from '../../../../src/suite/resources/package.js';
import { frames, spec } from './helpers.js';

describe('package', () => {
  it('reads each manager database dump', () => {
    const dpkg =
      'libc6\t2.36-9+deb12u4\tinstalled\nlibc6\t2.36-9+deb12u4\tinstalled\nnginx\t1.22.1-9\tconfig-files\n';
    expect(installedVersions('dpkg', dpkg, 'libc6')).toEqual(['2.36-9+deb12u4']);
    expect(installedVersions('dpkg', dpkg, 'nginx')).toEqual([]);
    expect(
      installedVersions(
        'apk',
        'musl-1.2.4-r2\nca-certificates-bundle-20230506-r0\n',
        'ca-certificates-bundle',
      ),
    ).toEqual(['20230506-r0']);
    expect(installedVersions('pacman', 'bash 5.2.015-1\nbash-completion 2.11-3\n', 'bash')).toEqual([
      '5.2.015-1',
    ]);
    expect(installedVersions('rpm', 'kernel\t5.14.0-70.el9\nkernel\t5.14.0-162.el9\n', 'kernel')).toEqual([
      '5.14.0-70.el9',
      '5.14.0-162.el9',
    ]);
  });

  it('says clearly when the target has no package manager it knows', () => {
    const f = frames(['_packages', 'manager', 'none']);
    expect(pkg.facts(spec('package', 'x', { installed: true }), 'r0', f).installed).toEqual({
      error: expect.stringMatching(/no supported package manager \(dpkg, rpm, apk, pacman\)/),
    });
  });
});
