import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type LoadedPolicy, loadPolicySet } from '../../../src/lint/policies.js';
import { lintPaths } from '../../../src/lint/run.js';

/** A credential in a file a `file` provisioner uploads is baked in as surely as one in `inline`. */
let builtin: LoadedPolicy[];
beforeAll(async () => {
  builtin = await loadPolicySet();
});

function tree(files: Record<string, string | Buffer>): string {
  const root = mkdtempSync(join(tmpdir(), 'imagegate-uploads-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const TEMPLATE = `source "docker" "app" {
  image  = "debian:bookworm"
  commit = true
}

build {
  sources = ["source.docker.app"]
  provisioner "file" {
    source      = "files/credentials"
    destination = "/root/.aws/credentials"
  }
  provisioner "file" {
    source      = "conf/"
    destination = "/etc/app/"
  }
}
`;

describe('secret-in-template reads what file provisioners upload', () => {
  it('finds keys and literal tokens in uploaded files and folders, at their file and line, never the value', async () => {
    const root = tree({
      'app.pkr.hcl': TEMPLATE,
      'files/credentials': '[default]\naws_access_key_id = AKIAZ7Q3XK5LPR2MWT4N\n',
      'conf/app.env':
        '# API_TOKEN=example-in-a-comment\nMODE=prod\nAPI_TOKEN=ghp_0123456789abcdefghijklmnopqrstuvwxyzAB\n',
      'conf/features.ini':
        'UseCredentialManager=Disabled\nCredentialProviders: true\nTOKEN=`curl -s http://x`\n',
      'conf/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0, 0x41, 0x4b, 0x49, 0x41]),
    });
    symlinkSync('/etc', join(root, 'conf', 'etc-link'));
    const { findings } = await lintPaths([join(root, 'app.pkr.hcl')], { policies: builtin });
    const secrets = findings
      .filter((f) => f.policy === 'secret-in-template')
      .map((f) => `${f.file.replace(`${root}/`, '')}:${f.line}`)
      .sort();
    expect(secrets).toEqual(['conf/app.env:3', 'files/credentials:2']);
    const text = JSON.stringify(findings);
    expect(text).not.toContain('AKIAZ7Q3XK5LPR2MWT4N');
    expect(text).not.toContain('ghp_0123456789');
    expect(text).toContain('uploaded file credentials');
  });

  it('a download (direction = "download") is not read', async () => {
    const root = tree({
      'app.pkr.hcl': TEMPLATE.replace(
        'destination = "/root/.aws/credentials"',
        'destination = "/root/.aws/credentials"\n    direction   = "download"',
      ),
      'files/credentials': 'aws_access_key_id = AKIAZ7Q3XK5LPR2MWT4N\n',
      'conf/ok.txt': 'nothing here\n',
    });
    const { findings } = await lintPaths([join(root, 'app.pkr.hcl')], { policies: builtin });
    expect(findings.filter((f) => f.policy === 'secret-in-template')).toEqual([]);
  });
});
