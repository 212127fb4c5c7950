import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type LoadedPolicy, loadPolicySet } from '../../../src/lint/policies.js';
import { type LintOptions, lintPaths } from '../../../src/lint/run.js';
import type { Finding } from '../../../src/lint/types.js';

/**
 * Regression fixtures for the false alarms and misses found on real repositories (issue 16).
 * Each writes a small tree shaped like the repositories where the class was seen.
 */

let builtin: LoadedPolicy[];
beforeAll(async () => {
  builtin = await loadPolicySet();
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'imagegate-rw-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

async function lint(paths: string[], opts: LintOptions = {}) {
  return lintPaths(paths, { policies: builtin, ...opts });
}

const of = (findings: Finding[], policy: string) => findings.filter((f) => f.policy === policy);

const LOCAL_SOURCE = `source "qemu" "box" {
  iso_url      = "https://example.org/x.iso"
  iso_checksum = "none"
  ssh_username = "vagrant"
}
`;

describe('template units', () => {
  it('lints a folder of independent templates file by file, saying so', async () => {
    const one = (name: string) => `variable "version" {
  type    = string
  default = "1"
}
${LOCAL_SOURCE.replace('"box"', `"${name}"`)}
build {
  sources = ["source.qemu.${name}"]
}
`;
    const root = tree({ 'boxes/a.pkr.hcl': one('a'), 'boxes/b.pkr.hcl': one('b') });
    const run = await lint([root]);
    expect(of(run.findings, 'syntax')).toEqual([]);
    expect(run.templates.map((t) => t.path)).toEqual([
      join(root, 'boxes/a.pkr.hcl'),
      join(root, 'boxes/b.pkr.hcl'),
    ]);
    expect(run.notes).toEqual([expect.stringContaining('linted file by file')]);
    expect(run.summary.exitCode).not.toBe(2);
  });

  it('keeps a folder one template when a file alone declares a name twice (a real error)', async () => {
    const root = tree({
      't/a.pkr.hcl': 'variable "x" {}\nvariable "x" {}\n',
      't/b.pkr.hcl': 'variable "x" {}\n',
    });
    const run = await lint([root]);
    expect(run.templates.map((t) => t.path)).toEqual([join(root, 't')]);
    expect(of(run.findings, 'syntax').length).toBeGreaterThan(0);
  });
});

describe('relative script paths', () => {
  const template = (script: string) => `{
  "builders": [{ "type": "qemu", "iso_url": "x", "iso_checksum": "none", "ssh_username": "vagrant" }],
  "provisioners": [{ "type": "shell", "script": "${script}" }]
}
`;

  it('finds a script Packer reads from a parent working directory, and lints it', async () => {
    // kubernetes-sigs/image-builder runs Packer in images/capi: "./packer/files/x.sh".
    const root = tree({
      'capi/packer/ami/packer.json': template('./packer/files/x.sh'),
      'capi/packer/files/x.sh': 'curl -fsSL https://get.example.org | sh\n',
    });
    const run = await lint([root]);
    expect(of(run.findings, 'syntax')).toEqual([]);
    expect(of(run.findings, 'file-missing')).toEqual([]);
    expect(of(run.findings, 'remote-script-piped').map((f) => f.file)).toEqual([
      join(root, 'capi/packer/files/x.sh'),
    ]);
  });

  it('finds a script Packer reads from a sibling folder (../../common/…)', async () => {
    const root = tree({
      'vro/common/base.json': template('../../common/scripts/c.sh'),
      'vro/common/scripts/c.sh': 'echo hi\n',
    });
    const run = await lint([root]);
    expect(run.findings.filter((f) => f.policy === 'syntax' || f.policy === 'file-missing')).toEqual([]);
  });

  it('reports a script found nowhere as file-missing, not syntax', async () => {
    const root = tree({ 'box/t.json': template('../scripts/gone.sh') });
    const run = await lint([root]);
    expect(of(run.findings, 'syntax')).toEqual([]);
    expect(of(run.findings, 'file-missing')).toEqual([
      expect.objectContaining({
        severity: 'error',
        message: expect.stringContaining('"../scripts/gone.sh" is missing'),
      }),
    ]);
    expect(run.summary.exitCode).toBe(1);
  });

  it('resolves against --packer-dir only, when given', async () => {
    const root = tree({
      'a/t.json': template('./s.sh'),
      'a/s.sh': 'echo in template dir\n',
      'run/s.sh': 'echo in packer dir\n',
    });
    const here = await lint([root], { packerDir: join(root, 'run') });
    expect(here.templates[0]?.files).toContain(join(root, 'run/s.sh'));
    const elsewhere = await lint([root], { packerDir: join(root, 'nowhere') });
    expect(of(elsewhere.findings, 'file-missing')).toHaveLength(1);
  });
});

describe('duplicates', () => {
  it('reports a script line shared by several builds once, naming the builds', async () => {
    const build = (name: string) => `build {
  name    = "${name}"
  sources = ["source.qemu.box"]
  provisioner "shell" {
    script = "install.sh"
  }
}
`;
    const root = tree({
      't/main.pkr.hcl': LOCAL_SOURCE + build('one') + build('two') + build('three'),
      't/install.sh': 'yum install -y nginx\n',
    });
    const run = await lint([root]);
    const pins = of(run.findings, 'package-unpinned');
    expect(pins).toHaveLength(1);
    expect(pins[0]?.message).toContain('[runs in 3 builds: one, two, three]');
  });
});

/** A legacy JSON template with one builder and shell provisioners running these scripts. */
function jsonTemplate(builder: Record<string, unknown>, provisioners: Record<string, unknown>[], extra = {}) {
  return JSON.stringify({ builders: [builder], provisioners, ...extra }, null, 2);
}
const QEMU = { type: 'qemu', iso_url: 'x', iso_checksum: 'none', ssh_username: 'u' };

describe('apt-noninteractive', () => {
  it('accepts apt-get without -y after an apt.conf.d drop-in, and simulations; flags what runs before', async () => {
    const root = tree({
      't.json': jsonTemplate(QEMU, [
        { type: 'shell', inline: ['apt-get remove nano'] },
        { type: 'shell', script: 'configure-apt.sh' },
        { type: 'shell', inline: ['apt-get install -f ./x.deb', 'apt-get --just-print upgrade'] },
      ]),
      'configure-apt.sh': 'echo "APT::Get::Assume-Yes \\"true\\";" > /etc/apt/apt.conf.d/90assumeyes\n',
    });
    const found = of((await lint([root])).findings, 'apt-noninteractive');
    expect(found.map((f) => f.message)).toEqual([expect.stringContaining('`apt-get remove` without -y')]);
  });

  it('reads a heredoc drop-in too', async () => {
    const root = tree({
      't.json': jsonTemplate(QEMU, [
        { type: 'shell', script: 'a.sh' },
        { type: 'shell', inline: ['apt-get install nginx=1.2'] },
      ]),
      'a.sh': 'cat > /etc/apt/apt.conf.d/90yes <<\'EOF\'\nAPT::Get::Assume-Yes "true";\nEOF\n',
    });
    expect(of((await lint([root])).findings, 'apt-noninteractive')).toEqual([]);
  });
});

describe('secret-in-template', () => {
  it('does not read NOPASSWD or the IMDSv2 token TTL header as credentials', async () => {
    const root = tree({
      't.json': jsonTemplate(QEMU, [
        {
          type: 'shell',
          inline: [
            'echo "vagrant ALL=(ALL) NOPASSWD: ALL" > /etc/sudoers.d/vagrant',
            'TOKEN=$(curl -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 21600" http://169.254.169.254/latest/api/token)',
          ],
        },
      ]),
    });
    expect(of((await lint([root])).findings, 'secret-in-template')).toEqual([]);
  });

  it('reports the Vagrant throwaway password of a local build separately, at info, with a reason', async () => {
    const root = tree({
      'local.pkr.hcl': `source "virtualbox-iso" "box" {
  ssh_username = "vagrant"
  ssh_password = "vagrant"
}
source "amazon-ebs" "ami" {
  ssh_username = "ubuntu"
  ssh_password = "vagrant"
}
build {
  sources = ["source.virtualbox-iso.box", "source.amazon-ebs.ami"]
}
`,
    });
    const run = await lint([join(root, 'local.pkr.hcl')]);
    expect(of(run.findings, 'build-password-throwaway')).toEqual([
      expect.objectContaining({ line: 3, severity: 'info', message: expect.stringContaining('"vagrant"') }),
    ]);
    // The same password on a cloud source is a public login on a shared machine.
    expect(
      of(run.findings, 'secret-in-template').map((f) => [f.line, f.message.includes('anyone who reaches')]),
    ).toEqual([[7, true]]);
  });

  it('does not ask for sensitive = true on a bool or on a throwaway default of a local build', async () => {
    const root = tree({
      'v.pkr.hcl': `variable "vnc_disable_password" {
  type    = bool
  default = false
}
variable "ssh_password" {
  type    = string
  default = "vagrant"
}
variable "api_token" {
  type = string
}
${LOCAL_SOURCE}
build {
  sources = ["source.qemu.box"]
}
`,
    });
    const found = of((await lint([join(root, 'v.pkr.hcl')])).findings, 'variable-sensitive-missing');
    expect(found.map((f) => f.message)).toEqual([expect.stringContaining('api_token')]);
  });
});

describe('cleanup-missing', () => {
  const linuxCleanup = [
    'rm -f /root/.ssh/authorized_keys',
    'truncate -s 0 /etc/machine-id',
    'unset HISTFILE',
    'rm -rf /tmp/*',
  ];

  it('does not ask a Windows guest for Linux cleanup', async () => {
    const root = tree({
      'w.json': jsonTemplate({ ...QEMU, communicator: 'winrm', winrm_username: 'vagrant' }, [
        { type: 'windows-shell', inline: ['echo hi'] },
      ]),
      'w2.json': jsonTemplate({ type: 'virtualbox-iso', guest_os_type: 'Windows2019_64' }, [
        { type: 'shell', inline: ['echo hi'] },
      ]),
    });
    expect(of((await lint([root])).findings, 'cleanup-missing')).toEqual([]);
  });

  it('counts cleanup done by an earlier provisioner, and leaves Ansible-provisioned sources alone', async () => {
    const root = tree({
      'early.json': jsonTemplate(QEMU, [
        { type: 'shell', script: 'cleanup.sh' },
        { type: 'shell', inline: ['echo done'] },
      ]),
      'cleanup.sh': `rm -rf \\\n  /etc/machine-id \\\n  /root/.ssh/authorized_keys\nunset HISTFILE\nrm -rf /tmp/*\n`,
      'ansible.json': jsonTemplate(QEMU, [{ type: 'ansible', playbook_file: 'site.yml' }]),
      'site.yml': '- hosts: all\n',
    });
    expect(of((await lint([root])).findings, 'cleanup-missing')).toEqual([]);
  });

  it('still reports a Linux build without cleanup, and asks Alpine for no machine-id', async () => {
    const root = tree({
      'debian.json': jsonTemplate(QEMU, [{ type: 'shell', inline: ['apt-get install -y nginx=1'] }]),
      'alpine-3.19.json': jsonTemplate(QEMU, [
        { type: 'shell', inline: linuxCleanup.filter((l) => !l.includes('machine-id')) },
      ]),
    });
    const found = of((await lint([root])).findings, 'cleanup-missing');
    expect(found.map((f) => [f.file.split('/').pop(), f.message.includes('every cleanup step')])).toEqual([
      ['debian.json', true],
    ]);
  });
});

describe('post-processor-unscoped', () => {
  it('accepts artifice → docker-import → docker-push in a build with no docker source', async () => {
    const chain = [
      { type: 'artifice', files: ['rootfs.tar'] },
      { type: 'docker-import', repository: 'r/app', tag: '1' },
      { type: 'docker-push' },
    ];
    const root = tree({ 't.json': jsonTemplate(QEMU, [], { 'post-processors': [chain] }) });
    expect(of((await lint([root])).findings, 'post-processor-unscoped')).toEqual([]);
  });

  it('says why scoping cannot help when the build has no docker source', async () => {
    const root = tree({ 't.json': jsonTemplate(QEMU, [], { 'post-processors': [{ type: 'docker-push' }] }) });
    const found = of((await lint([root])).findings, 'post-processor-unscoped');
    expect(found.map((f) => f.message)).toEqual([expect.stringContaining('gets no docker image')]);
  });
});

describe('ssh-username-root and build-ssh-open-world', () => {
  it('accepts root on platforms that log in as root, and Session Manager builds', async () => {
    const root = tree({
      'do.json': jsonTemplate({ type: 'digitalocean', image: 'ubuntu-22-04-x64', ssh_username: 'root' }, []),
      'vultr.json': jsonTemplate({ type: 'vultr', ssh_username: 'root' }, []),
      'ssm.pkr.hcl': `source "amazon-ebs" "a" {
  ssh_username  = "root"
  ssh_interface = "session_manager"
}
build {
  sources = ["source.amazon-ebs.a"]
}
`,
    });
    const run = await lint([root]);
    expect(of(run.findings, 'ssh-username-root').map((f) => f.file.split('/').pop())).toEqual([
      'ssm.pkr.hcl',
    ]);
    expect(of(run.findings, 'build-ssh-open-world')).toEqual([]);
  });
});

describe('artifact-name-static', () => {
  it('treats legacy {{user}}, {{isotime}}, {{uuid}} as changing per build, and printf fixtures as not built', async () => {
    const ami = (name: string) => ({ type: 'amazon-ebs', ami_name: name, ssh_username: 'ubuntu' });
    const root = tree({
      'user.json': jsonTemplate(ami('{{user `ami_name`}}'), []),
      'date.json': jsonTemplate(ami('k8s-{{isotime "2006-01-02"}}'), []),
      'uuid.json': jsonTemplate(ami('k8s-{{uuid}}'), []),
      'fixture.json': jsonTemplate(ami('%s'), []),
      'static.json': jsonTemplate(ami('apache'), []),
    });
    const found = of((await lint([root])).findings, 'artifact-name-static');
    expect(found.map((f) => f.file.split('/').pop())).toEqual(['static.json']);
  });
});

describe('remote-script-piped', () => {
  it('accepts a download verified by BSD sha256 or a checksum helper; names bash -c "$(curl)" right', async () => {
    const root = tree({
      't.json': jsonTemplate(QEMU, [{ type: 'shell', script: 's.sh' }]),
      's.sh': [
        'fetch() { :; }',
        'curl -fsSLo /tmp/a.sh https://example.org/a.sh',
        'sha256 -c 0123abcd /tmp/a.sh',
        'sh /tmp/a.sh',
        'curl -fsSL https://example.org/b.sh -o b.sh',
        'use_checksum_comparison "b.sh" "$sum"',
        'bash b.sh',
        'bash -c "$(curl -fsSL https://example.org/c.sh)"',
        '',
      ].join('\n'),
    });
    const found = of((await lint([root])).findings, 'remote-script-piped');
    expect(found.map((f) => [f.line, f.message.slice(0, 40)])).toEqual([
      [8, '`bash` runs a script `curl` downloads, u'],
    ]);
  });
});

describe('package-unpinned', () => {
  it('takes version globs as pins, skips command substitutions and template values, reads backtick comments', async () => {
    const root = tree({
      't.json': jsonTemplate(QEMU, [
        {
          type: 'shell',
          inline: [
            'dnf install -y glibc-2.21.* kernel-devel-`uname -r` kernel-headers-$(uname -r)',
            'apt-get install -y {{user `packages`}}',
          ],
        },
        { type: 'shell', script: 's.sh' },
      ]),
      's.sh': 'apt-get install -y \\\n  nginx `# web server` \\\n  curl `# fetch things` \\\n  jq\n',
    });
    const found = of((await lint([root])).findings, 'package-unpinned');
    expect(found.map((f) => f.message.split(' not pinned')[0])).toEqual(['apt: nginx, curl, jq']);
  });
});

describe('manifest-missing', () => {
  it('does not ask a Vagrant box build for a manifest', async () => {
    const root = tree({
      'box.json': jsonTemplate(QEMU, [], { 'post-processors': [{ type: 'vagrant', output: 'out/box.box' }] }),
    });
    expect(of((await lint([root])).findings, 'manifest-missing')).toEqual([]);
  });
});

describe('cleanup-missing on Vagrant boxes', () => {
  it('accepts the Vagrant insecure key in a box build, and asks nothing about shell history', async () => {
    const root = tree({
      'box.json': jsonTemplate(
        QEMU,
        [{ type: 'shell', inline: ['truncate -s 0 /etc/machine-id', 'rm -rf /tmp/*'] }],
        { 'post-processors': [{ type: 'vagrant', output: 'box.box' }] },
      ),
    });
    expect(of((await lint([root])).findings, 'cleanup-missing')).toEqual([]);
  });
});

describe('unknown-argument', () => {
  it('names the closest known argument of a misspelt one', async () => {
    const root = tree({
      't.json': jsonTemplate({ type: 'docker', image: 'debian', comit: true, _comment: 'ignored' }, [
        { type: 'shell', inline: ['true'], enviroment_vars: [] },
      ]),
    });
    const found = of((await lint([root])).findings, 'unknown-argument');
    expect(found.map((f) => f.message)).toEqual([
      'source docker has no argument "comit" (did you mean "commit"?); packer validate rejects it',
      'provisioner shell has no argument "enviroment_vars" (did you mean "environment_vars"?); packer validate rejects it',
    ]);
  });
});

describe('PowerShell provisioners', () => {
  it('reads inline PowerShell and .ps1 scripts: download-and-run is flagged, a checked download is not', async () => {
    const root = tree({
      't.json': jsonTemplate(
        { type: 'virtualbox-iso', communicator: 'winrm', guest_os_type: 'Windows2019_64' },
        [
          {
            type: 'powershell',
            inline: [
              "iex ((New-Object System.Net.WebClient).DownloadString('https://chocolatey.org/install.ps1'))",
              'iwr https://example.org/y.ps1 -UseBasicParsing | iex',
              'Invoke-WebRequest https://example.org/tool.zip -OutFile C:\\tool.zip',
            ],
          },
          { type: 'powershell', script: 'setup.ps1' },
        ],
      ),
      'setup.ps1': [
        'Invoke-WebRequest -Uri https://example.org/a.ps1 -OutFile $env:TEMP\\a.ps1',
        'if ((Get-FileHash $env:TEMP\\a.ps1).Hash -ne $sum) { throw "bad sum" }',
        '& $env:TEMP\\a.ps1',
        'Invoke-WebRequest -Uri https://example.org/install.ps1 -OutFile install.ps1',
        '.\\install.ps1 # imagegate:ignore remote-script-piped -- signed by our release key, checked by the agent',
        'Invoke-WebRequest -Uri https://example.org/b.ps1 -OutFile b.ps1',
        '.\\b.ps1',
        '',
      ].join('\n'),
    });
    const run = await lint([root]);
    const found = of(run.findings, 'remote-script-piped');
    expect(found.map((f) => [f.file.split('/').pop(), f.line, f.message.slice(0, 24)])).toEqual([
      ['setup.ps1', 7, '.\\b.ps1 (downloaded on l'],
      ['t.json', 13, '`iex` runs a script `Dow'],
      ['t.json', 14, '`iwr` output is piped in'],
    ]);
    expect(run.summary.suppressed).toBe(1);
  });
});

describe('generalisation and generated files', () => {
  it("counts Azure's waagent -deprovision as cleanup, and does not ask a generated upload to exist", async () => {
    const root = tree({
      'azure.json': jsonTemplate({ type: 'azure-arm', os_type: 'Linux' }, [
        { type: 'file', source: './tmp/build.json', destination: '/tmp/build.json', generated: true },
        { type: 'shell', inline: ['/usr/sbin/waagent -force -deprovision+user && sync'] },
      ]),
    });
    const run = await lint([root]);
    expect(run.findings.filter((f) => f.policy === 'cleanup-missing' || f.policy === 'file-missing')).toEqual(
      [],
    );
  });
});

describe('secret-in-template in PowerShell', () => {
  it('does not read an assembly PublicKeyToken or a computed SecureString as a credential', async () => {
    const root = tree({
      't.json': jsonTemplate({ type: 'virtualbox-iso', communicator: 'winrm' }, [
        {
          type: 'powershell',
          inline: [
            '& ngen.exe install "Microsoft.PowerShell.Utility.Activities, Version=3.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35"',
            'Install-ADDSForest -DomainName corp -SafeModeAdministratorPassword (ConvertTo-SecureString -String "{{user `pw`}}" -AsPlainText -Force)',
            'Install-ADDSForest -DomainName corp -SafeModeAdministratorPassword hunter2hunter2',
          ],
        },
      ]),
    });
    const found = of((await lint([root])).findings, 'secret-in-template');
    // Only the third inline line: a literal password.
    expect(found.map((f) => [f.line, f.message.slice(0, 40)])).toEqual([
      [14, 'a literal -safemodeadministratorpassword'],
    ]);
  });
});

describe('files made before the build', () => {
  it('does not report an upload under a folder the repository ignores (tmp/), and does report others', async () => {
    const upload = (source: string) => ({ type: 'file', source, destination: 'C:\\x' });
    const root = tree({
      '.gitignore': '# build output\ntmp/\noutput-*\n',
      'win/common/t.json': jsonTemplate({ type: 'qemu', communicator: 'winrm' }, [
        upload('./tmp/build.json'),
        upload('./output-qemu/disk.img'),
        upload('./answer.xml'),
      ]),
    });
    const found = of((await lint([root])).findings, 'file-missing');
    expect(found.map((f) => f.message.slice(0, 30))).toEqual(['file "./answer.xml" to upload ']);
  });

  it('does not report apt-get without -y whose failure is tolerated', async () => {
    const root = tree({
      't.json': jsonTemplate(QEMU, [{ type: 'shell', inline: ['apt-get remove docker || true'] }]),
    });
    expect(of((await lint([root])).findings, 'apt-noninteractive')).toEqual([]);
  });
});

describe('manifest-missing on builds that make nothing', () => {
  it('does not ask a build of only null sources for a manifest', async () => {
    const root = tree({
      't.pkr.hcl': `source "null" "test" {
  communicator = "none"
}
build {
  name    = "render"
  sources = ["source.null.test"]
  provisioner "shell-local" {
    inline = ["echo rendered"]
  }
}
`,
    });
    expect(of((await lint([join(root, 't.pkr.hcl')])).findings, 'manifest-missing')).toEqual([]);
  });
});

describe('secret-in-template: values set by export/declare/local/readonly', () => {
  it('finds a literal secret exported in an inline script, without printing it', async () => {
    const root = tree({
      'app.pkr.hcl':
        'source "docker" "x" {\n  image  = "debian:bookworm"\n  commit = true\n}\n\nbuild {\n  sources = ["source.docker.x"]\n  provisioner "shell" {\n    inline = ["export API_TOKEN=abcdef123456789", "readonly DB_PASSWORD=hunter2isgood"]\n  }\n}\n',
    });
    const run = await lint([root]);
    const secrets = run.findings.filter((f) => f.policy === 'secret-in-template');
    expect(secrets.map((f) => f.message)).toEqual([
      expect.stringMatching(/^a literal API_TOKEN in the `export` command; the value is not shown/),
      expect.stringMatching(/^a literal DB_PASSWORD in the `readonly` command; the value is not shown/),
    ]);
    expect(JSON.stringify(secrets)).not.toMatch(/abcdef123456789|hunter2isgood/);
  });
});
