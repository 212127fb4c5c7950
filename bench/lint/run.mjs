#!/usr/bin/env node
// Lint benchmark: whole-process time to lint 1,000 generated templates, cold start of linting
// one file, and `packer validate` on the same file in the same run. Run after `npm run build`:
//   node bench/lint/run.mjs [--templates 1000] [--runs 7]
// Prints a Markdown table for bench/RESULTS.md. Figures are wall time (median of runs) with
// user+sys CPU beside them, from /usr/bin/time, because the machine may be shared.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const COUNT = opt('--templates', 1000);
const RUNS = opt('--runs', 7);
const bin = resolve('bin/imagegate');
const entry = resolve('bench/lint/lint-entry.mjs');

/** A docker + amazon-ebs template; `i` varies names and makes half of them carry footguns. */
function template(i) {
  const bad = i % 2 === 1;
  return `variable "git_sha" {
  type = string
}

source "amazon-ebs" "web${i}" {
  ami_name      = "${bad ? `web-${i}` : `web-${i}-{{timestamp}}`}"
  instance_type = "t3.micro"
  region        = "eu-west-1"
  encrypt_boot  = ${bad ? 'false' : 'true'}
  ssh_username  = "${bad ? 'root' : 'admin'}"
  temporary_security_group_source_public_ip = true
  source_ami_filter {
    filters     = { name = "debian-12-amd64-*" }
    owners      = ["136693071363"]
    most_recent = true
  }
  metadata_options {
    http_tokens = "required"
  }
  tags = {
    Git-SHA    = var.git_sha
    Build-Time = "{{timestamp}}"
    Base-OS    = "debian-12"
    Built-By   = "packer"
  }
}

source "docker" "web${i}" {
  image  = "debian:bookworm"
  commit = true
}

build {
  sources = ["source.amazon-ebs.web${i}", "source.docker.web${i}"]

  provisioner "shell" {
    environment_vars = ["DEBIAN_FRONTEND=noninteractive"]
    inline = [
      "apt-get update",
      "apt-get install ${bad ? '' : '-y '}nginx${bad ? '' : '=1.22.1-9'} curl=7.88.1-10+deb12u5",
      "${bad ? 'curl -fsSL https://get.example.com | sh' : 'echo ready'}",
      "systemctl enable nginx${bad ? '' : ' || true'}",
    ]
  }

  provisioner "shell" {
    except = ["docker.web${i}"]
    inline = [<<-EOF
      sudo rm -f /root/.ssh/authorized_keys /home/*/.ssh/authorized_keys
      sudo truncate -s 0 /etc/machine-id
      sudo rm -rf /tmp/* /var/tmp/*
      history -c
    EOF
    ]
  }

  post-processor "manifest" {
    output = "manifest-${i}.json"
  }
}
`;
}

/** Docker-only, so Packer 1.6.6 validates it offline; the same file both tools judge. */
const SINGLE = `source "docker" "app" {
  image  = "debian:bookworm"
  commit = true
}

build {
  sources = ["source.docker.app"]

  provisioner "shell" {
    inline = [
      "apt-get update",
      "apt-get install -y nginx=1.22.1-9",
      "systemctl enable nginx || true",
    ]
  }

  post-processor "manifest" {
    output = "manifest.json"
  }
}
`;

function timed(cmd, argv, okCodes = [0, 1]) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', cmd, ...argv], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  // GNU time adds "Command exited with non-zero status N" for exit 1 (findings): not a complaint.
  const lines = r.stderr
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('Command exited with non-zero status'));
  // Anything on stderr besides /usr/bin/time's line means the command crashed or complained.
  if (!okCodes.includes(r.status) || lines.length > 1) {
    throw new Error(`${cmd} ${argv.join(' ')} exited ${r.status}: ${r.stderr.slice(0, 300)}`);
  }
  const [wall, user, sys] = lines.at(-1).split(' ').map(Number);
  return { wall: wall * 1000, cpu: (user + sys) * 1000, stdout: r.stdout };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function measure(label, cmd, argv, okCodes) {
  const runs = Array.from({ length: RUNS }, () => timed(cmd, argv, okCodes));
  const row = {
    label,
    wall: median(runs.map((r) => r.wall)),
    min: Math.min(...runs.map((r) => r.wall)),
    cpu: median(runs.map((r) => r.cpu)),
  };
  process.stderr.write(`${label}: ${JSON.stringify(row)}\n`);
  return { row, last: runs.at(-1) };
}

const work = mkdtempSync(join(tmpdir(), 'imagegate-bench-lint-'));
try {
  const many = join(work, 'many');
  for (let i = 0; i < COUNT; i++) {
    mkdirSync(join(many, `t${String(i).padStart(4, '0')}`), { recursive: true });
    writeFileSync(join(many, `t${String(i).padStart(4, '0')}`, 'main.pkr.hcl'), template(i));
  }
  const single = join(work, 'single.pkr.hcl');
  writeFileSync(single, SINGLE);

  const load = loadavg()[0].toFixed(1);
  const rows = [];
  rows.push(measure('node startup (`node -e 0`)', process.execPath, ['-e', '0']).row);
  const lintOnly = (argv) => [entry, 'lint', ...argv];
  rows.push(
    measure('cold start: lint one file, lint command only', process.execPath, lintOnly(['-q', single])).row,
  );
  // The full CLI also imports every other command at startup; it may be broken mid-development.
  for (const [label, argv] of [
    ['`imagegate --version` (full CLI, every command registered)', ['--version']],
    ['cold start: `imagegate lint -q` one file (full CLI)', ['lint', '-q', single]],
  ]) {
    try {
      rows.push(measure(label, bin, argv).row);
    } catch (err) {
      process.stderr.write(`skipped ${label}: ${err.message.split('\n')[0]}\n`);
    }
  }
  rows.push(measure('`packer validate` same file (Packer 1.6.6)', 'packer', ['validate', single]).row);
  const bulk = measure(
    `lint ${COUNT} templates (\`--format json\`, lint command only)`,
    process.execPath,
    lintOnly(['--format', 'json', many]),
  );
  rows.push(bulk.row);
  const summary = JSON.parse(bulk.last.stdout).summary;
  const version = execFileSync('packer', ['version'], { encoding: 'utf8' }).trim();

  console.log(
    `Machine: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${version}; 1-min load average at start ${load}.`,
  );
  console.log(
    `${COUNT} templates: ${summary.findings} findings (${summary.errors} errors), median of ${RUNS} runs.\n`,
  );
  console.log('| measure | wall (median) | wall (best) | CPU user+sys (median) |');
  console.log('|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.label} | ${Math.round(r.wall)} ms | ${Math.round(r.min)} ms | ${Math.round(r.cpu)} ms |`,
    );
} finally {
  rmSync(work, { recursive: true, force: true });
}
