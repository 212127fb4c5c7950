#!/usr/bin/env node
// Differential check of the hand-written shell reader against the tree-sitter-bash one it
// replaced (bench/RESULTS.md, "Shell reader"). Both must give the same model (commands with
// name, arguments, text, pipeline, guard and position; comments; errors) for every shell text
// lint reads: each inline/command/execute_command of a shell provisioner (joined and masked as
// lint joins them) and each script file, found by the templates or by a `.sh`/`.bash` name or
// a shell `#!` line under the given folders.
//   node bench/lint/shell-diff.mjs --old OLD_DIST [--show N] [--sets] PATH...
// OLD_DIST is a `dist/` built from a commit that still has src/template/bash.ts on
// tree-sitter (and node_modules still holding tree-sitter-bash), e.g. a worktree of the commit
// before the switch: `npx tsc -p tsconfig.build.json --outDir /tmp/old-dist`.
// Prints: texts compared, texts that differ, and the first N differences field by field.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const oldAt = args.indexOf('--old');
const showAt = args.indexOf('--show');
const SHOW = showAt === -1 ? 10 : Number(args[showAt + 1]);
/** `--sets`: for each differing text, the entries one reader has and the other lacks. */
const SETS = args.includes('--sets');
if (oldAt === -1) {
  console.error('usage: node bench/lint/shell-diff.mjs --old OLD_DIST [--show N] PATH...');
  process.exit(2);
}
const OLD = resolve(args[oldAt + 1]);
const roots = args.filter((a, i) => !a.startsWith('--') && i !== oldAt + 1 && i !== showAt + 1);

const oldBash = await import(pathToFileURL(join(OLD, 'template/bash.js')).href);
const { bashParser } = await import(pathToFileURL(join(OLD, 'template/tree-sitter.js')).href);
const { scanShell } = await import('../../dist/template/shell-commands.js');
const { fileText, joinLines, mappedText, maskGoTemplates } = await import(
  '../../dist/template/mapped-text.js'
);
const { LineIndex } = await import('../../dist/template/position.js');
const { discoverTemplates } = await import('../../dist/template/discover.js');
const { loadTemplateUnits } = await import('../../dist/template/load.js');
const { attr } = await import('../../dist/template/packer-blocks.js');
const { resolveTemplatePath } = await import('../../dist/template/paths.js');

const parser = await bashParser();
/** Every text to compare, by a key naming where it came from (one entry per distinct text). */
const texts = new Map();
const addFile = (file) => {
  if (texts.has(`file:${file}`)) return;
  let text;
  try {
    if (statSync(file).isDirectory()) return;
    text = readFileSync(file, 'utf8');
  } catch {
    return;
  }
  texts.set(`file:${file}`, fileText(file, new LineIndex(text), text));
};

for (const root of roots.map((r) => resolve(r))) {
  (function walk(dir) {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === '.git' || entry.name === 'node_modules') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(sh|bash)$/.test(entry.name)) addFile(path);
      else if (entry.isFile() && !/\.(json|hcl|md|ps1|yml|yaml|txt|xml|rb|py|pp|bat|cmd)$/.test(entry.name)) {
        let head = '';
        try {
          head = readFileSync(path, 'utf8').slice(0, 64);
        } catch {}
        if (/^#!.*\b(ba|da|k)?sh\b/.test(head)) addFile(path);
      }
    }
  })(root);
  let targets = [];
  try {
    targets = await discoverTemplates([root]);
  } catch {}
  for (const target of targets) {
    let units = [];
    try {
      units = await loadTemplateUnits(target, { roots: [root] });
    } catch {
      continue;
    }
    for (const unit of units) {
      for (const build of unit.builds) {
        for (const p of build.provisioners) {
          if (p.type !== 'shell' && p.type !== 'shell-local') continue;
          for (const name of ['inline', 'command']) {
            const value = attr(p.body, name)?.value;
            const lines = value?.kind === 'tuple' ? value.items : value === undefined ? [] : [value];
            const joined = joinLines(lines.flatMap((item) => mappedText(item) ?? []));
            if (joined !== undefined)
              texts.set(`inline:${p.pos.file}:${p.pos.line}:${name}`, maskGoTemplates(joined));
          }
          const exec = attr(p.body, 'execute_command')?.value;
          const execText = exec === undefined ? undefined : mappedText(exec);
          if (execText !== undefined)
            texts.set(`exec:${p.pos.file}:${p.pos.line}`, maskGoTemplates(execText));
          const script = attr(p.body, 'script')?.value;
          const scripts = attr(p.body, 'scripts')?.value;
          const named = [...(script ? [script] : []), ...(scripts?.kind === 'tuple' ? scripts.items : [])];
          for (const expr of named) {
            const written = mappedText(expr)?.text;
            const found =
              written === undefined ? undefined : resolveTemplatePath(written, p.pos.file, { roots: [root] });
            if (found !== undefined && 'file' in found) addFile(found.file);
          }
        }
      }
    }
  }
}

const model = (scan) =>
  JSON.stringify(scan, (k, v) => (k === 'file' ? undefined : v), 1)
    .split('\n')
    .map((l) => l.trim());
let differ = 0;
let shown = 0;
let commands = 0;
for (const [key, text] of texts) {
  const before = oldBash.scanShell(parser, text);
  const after = scanShell(text);
  commands += before.commands.length;
  const a = model(before);
  const b = model(after);
  if (a.join('\n') === b.join('\n')) continue;
  differ++;
  if (shown++ >= SHOW) continue;
  console.log(`--- ${key}`);
  if (SETS) {
    // What one reader has and the other lacks, whole entries compared (order aside).
    const str = (x) => JSON.stringify(x, (k, v) => (k === 'file' ? undefined : v));
    for (const which of ['commands', 'comments', 'errors']) {
      const xs = new Set(before[which].map(str));
      const ys = new Set(after[which].map(str));
      for (const x of xs) if (!ys.has(x)) console.log(`  - ${which} ${x.slice(0, 300)}`);
      for (const y of ys) if (!xs.has(y)) console.log(`  + ${which} ${y.slice(0, 300)}`);
    }
    continue;
  }
  for (const which of ['commands', 'comments', 'errors']) {
    const x = before[which];
    const y = after[which];
    const n = Math.max(x.length, y.length);
    let printed = 0;
    for (let i = 0; i < n && printed < 3; i++) {
      const sx = JSON.stringify(x[i], (k, v) => (k === 'file' ? undefined : v));
      const sy = JSON.stringify(y[i], (k, v) => (k === 'file' ? undefined : v));
      if (sx === sy) continue;
      printed++;
      console.log(`  ${which}[${i}] tree-sitter: ${sx?.slice(0, 400)}`);
      console.log(`  ${which}[${i}] reader:      ${sy?.slice(0, 400)}`);
    }
  }
}
console.log(`texts compared: ${texts.size} (${commands} commands by tree-sitter); differ: ${differ}`);
