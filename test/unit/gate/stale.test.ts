import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImageEntry } from '../../../src/config/images.js';
import { type BaseQuery, baseQueries } from '../../../src/gate/base-queries.js';
import { judge, lastPromotedBases, type StaleDeps, staleImages } from '../../../src/gate/stale.js';
import { loadTemplate } from '../../../src/template/load.js';
import { promoteWithBase } from '../../helpers/stale-state.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ig-stale-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const HCL = `
variable "region" {
  default = "eu-west-1"
}
variable "flavor" {
  type = string
}
source "amazon-ebs" "app" {
  region = var.region
  instance_type = "t3.micro"
  ssh_username = "admin"
  ami_name = "app-{{timestamp}}"
  source_ami_filter {
    filters = {
      name                = "debian-12-amd64-*"
      virtualization-type = "hvm"
    }
    owners      = ["136693071363"]
    most_recent = true
  }
}
source "amazon-ebs" "computed" {
  region = "eu-west-1"
  instance_type = "t3.micro"
  ssh_username = "admin"
  ami_name = "x"
  source_ami_filter {
    filters = { name = "debian-\${var.flavor}-*" }
    owners = ["self"]
  }
}
source "amazon-ebs" "fixed" {
  region = "eu-west-1"
  instance_type = "t3.micro"
  ssh_username = "admin"
  ami_name = "y"
  source_ami = "ami-0123456789abcdef0"
}
source "docker" "web" {
  image  = "debian:bookworm"
  commit = true
}
build {
  sources = ["source.amazon-ebs.app", "source.amazon-ebs.computed", "source.amazon-ebs.fixed", "source.docker.web"]
}
`;

async function template() {
  const file = join(dir, 'app.pkr.hcl');
  writeFileSync(file, HCL);
  return loadTemplate(file);
}

describe('baseQueries', () => {
  it('reads literal filters, owners, a var-default region and a docker tag; computed ones become problems', async () => {
    const { queries, problems } = baseQueries(await template(), []);
    expect(queries).toEqual([
      {
        kind: 'ami',
        source: 'amazon-ebs.app',
        region: 'eu-west-1',
        owners: ['136693071363'],
        filters: [
          { Name: 'name', Values: ['debian-12-amd64-*'] },
          { Name: 'virtualization-type', Values: ['hvm'] },
        ],
      },
      { kind: 'docker-image', source: 'docker.web', reference: 'debian:bookworm' },
    ]);
    expect(problems).toEqual([
      'amazon-ebs.computed: source_ami_filter or region is computed; cannot resolve it outside Packer',
    ]);
  });

  it("keeps to the image's only list", async () => {
    const { queries, problems } = baseQueries(await template(), ['docker.web']);
    expect(queries.map((q) => q.source)).toEqual(['docker.web']);
    expect(problems).toEqual([]);
  });
});

const amiQuery: BaseQuery = { kind: 'ami', source: 'amazon-ebs.app', owners: [], filters: [] };
const promoted = { image: 'app', stage: 'prod', at: 't', artifactId: 'ami-0aaa0000000000001' };

describe('judge', () => {
  it('stale when the filter now finds another AMI, current when the same', () => {
    const p = { ...promoted, base: { kind: 'ami' as const, id: 'ami-00000000000000001' } };
    expect(
      judge('app', p, [{ query: amiQuery, now: { ok: true, id: 'ami-00000000000000002' } }], []),
    ).toEqual({
      image: 'app',
      status: 'stale',
      detail: 'base ami-00000000000000001 → ami-00000000000000002 (amazon-ebs.app)',
    });
    expect(
      judge('app', p, [{ query: amiQuery, now: { ok: true, id: 'ami-00000000000000001' } }], []),
    ).toMatchObject({
      status: 'current',
    });
  });

  it('compares docker bases by registry digest', () => {
    const q: BaseQuery = { kind: 'docker-image', source: 'docker.web', reference: 'debian:bookworm' };
    const p = {
      ...promoted,
      base: {
        kind: 'docker-image' as const,
        reference: 'debian:bookworm',
        digest: `debian@sha256:${'a'.repeat(64)}`,
      },
    };
    expect(
      judge('web', p, [{ query: q, now: { ok: true, id: `sha256:${'b'.repeat(64)}` } }], []).status,
    ).toBe('stale');
    expect(
      judge('web', p, [{ query: q, now: { ok: true, id: `sha256:${'a'.repeat(64)}` } }], []).status,
    ).toBe('current');
  });

  it('is unknown, with the reason, for older verdicts, unpromoted images and failed lookups', () => {
    expect(judge('app', undefined, [], [])).toEqual({
      image: 'app',
      status: 'unknown',
      detail: 'never promoted',
    });
    expect(judge('app', promoted, [], []).detail).toMatch(
      /unknown base: the verdict of ami-0aaa0000000000001 predates/,
    );
    const p = { ...promoted, base: { kind: 'ami' as const, id: 'ami-00000000000000001' } };
    expect(judge('app', p, [{ query: amiQuery, now: { ok: false, why: 'no AMI matches' } }], []).detail).toBe(
      'amazon-ebs.app: no AMI matches',
    );
  });
});

describe('lastPromotedBases and staleImages', () => {
  it('takes the newest promotion per image and its verdict base; old verdicts have none', async () => {
    mkdirSync(join(dir, 'verdicts'));
    const art = (id: string) => ({ kind: 'ami' as const, id, region: 'eu-west-1' });
    promoteWithBase(
      dir,
      'app',
      art('ami-0aaa0000000000001'),
      { kind: 'ami', id: 'ami-00000000000000001' },
      '2026-11-01T00:00:00Z',
    );
    promoteWithBase(
      dir,
      'app',
      art('ami-0aaa0000000000002'),
      { kind: 'ami', id: 'ami-00000000000000002' },
      '2026-11-20T00:00:00Z',
    );
    promoteWithBase(dir, 'legacy', art('ami-0bbb0000000000001'), undefined);
    const bases = lastPromotedBases(dir);
    expect(bases.get('app')).toMatchObject({
      artifactId: 'ami-0aaa0000000000002',
      base: { id: 'ami-00000000000000002' },
    });
    expect(bases.get('legacy')?.base).toBeUndefined();

    const file = join(dir, 'app.pkr.hcl');
    writeFileSync(file, HCL);
    const looked: string[] = [];
    const deps: StaleDeps = {
      loadTemplate,
      async newestAmi(q, region) {
        looked.push(`${q.source}@${region}`);
        return 'ami-00000000000000003';
      },
      dockerDigest: async () => 'sha256:never',
    };
    const entry = (name: string): ImageEntry =>
      ({ name, template: file, only: ['amazon-ebs.app'] }) as unknown as ImageEntry;
    const rows = await staleImages([entry('app'), entry('legacy'), entry('new')], dir, deps);
    expect(rows).toEqual([
      {
        image: 'app',
        status: 'stale',
        detail: 'base ami-00000000000000002 → ami-00000000000000003 (amazon-ebs.app)',
      },
      { image: 'legacy', status: 'unknown', detail: expect.stringMatching(/^unknown base/) },
      { image: 'new', status: 'unknown', detail: 'never promoted' },
    ]);
    expect(looked).toEqual(['amazon-ebs.app@eu-west-1']);
    // A mistyped --out is bad input, not a plan where everything was "never promoted".
    await expect(staleImages([entry('app')], join(dir, 'no-such-dir'), deps)).rejects.toThrow(
      /--out .*no-such-dir: no such directory/,
    );
  });
});
