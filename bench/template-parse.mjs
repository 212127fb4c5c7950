// Template parsing cost, without policies: the cold first load (HCL and shell reader modules,
// no wasm for bash) and the throughput of loading 1,000 generated HCL2 templates, each with inline
// shell, a heredoc and a script file. Run: npm run build && node bench/template-parse.mjs
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadTemplate } from '../dist/template/load.js';

const COUNT = Number(process.env.BENCH_COUNT ?? 1000);
const root = mkdtempSync(join(tmpdir(), 'ig-bench-template-'));

function template(i) {
  return `packer {
  required_plugins {
    amazon = { version = ">= 1.3.0, < 2.0.0", source = "github.com/hashicorp/amazon" }
  }
}

variable "region" {
  type    = string
  default = "eu-west-${i % 3}"
}

locals {
  name = "app-${i}-\${formatdate("YYYYMMDDhhmm", timestamp())}"
}

source "amazon-ebs" "app" {
  ami_name      = local.name
  instance_type = "t3.small"
  region        = var.region
  encrypt_boot  = true
  source_ami_filter {
    filters     = { name = "debian-12-amd64-*", virtualization-type = "hvm" }
    owners      = ["136693071363"]
    most_recent = true
  }
  ssh_username = "admin"
  tags = {
    Git-SHA = "{{env \`GIT_SHA\`}}"
    Base-OS = "debian-12"
  }
}

build {
  sources = ["source.amazon-ebs.app"]

  provisioner "shell" {
    environment_vars = ["DEBIAN_FRONTEND=noninteractive"]
    execute_command  = "chmod +x {{ .Path }}; {{ .Vars }} sudo -E sh '{{ .Path }}'"
    script           = "scripts/install.sh"
  }

  provisioner "shell" {
    inline = [
      "sudo apt-get update",
      <<-EOT
        if command -v systemctl >/dev/null; then systemctl enable nginx; fi
        curl -fsSL https://example.com/agent-${i}.sh | sudo bash
      EOT
      ,
      "sudo rm -f /root/.ssh/authorized_keys && sudo truncate -s 0 /etc/machine-id",
    ]
  }

  post-processor "manifest" {
    output = "manifest.json"
  }
}
`;
}

const dirs = [];
for (let i = 0; i < COUNT; i++) {
  const dir = join(root, `t${i}`);
  mkdirSync(join(dir, 'scripts'), { recursive: true });
  writeFileSync(join(dir, 'app.pkr.hcl'), template(i));
  writeFileSync(join(dir, 'scripts/install.sh'), '#!/bin/sh\nset -eu\napt-get install -y nginx=1.22.1-9\n');
  dirs.push(dir);
}

try {
  let t0 = performance.now();
  const first = await loadTemplate(dirs[0]);
  const cold = performance.now() - t0;
  if (first.syntaxErrors.length > 0 || first.shell.length === 0)
    throw new Error('bench template did not parse');

  // CPU time too: wall time on a shared 2-core machine swings with other load.
  const cpu0 = process.cpuUsage();
  t0 = performance.now();
  let commands = 0;
  for (const dir of dirs) commands += (await loadTemplate(dir)).shell.length;
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(`cold first load (parser modules + 1 template): ${cold.toFixed(1)} ms`);
  console.log(
    `${COUNT} templates, warm: ${wall.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU ` +
      `(${((COUNT / wall) * 1000).toFixed(0)} templates/s; ${commands} shell commands)`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
