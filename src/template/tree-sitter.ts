import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { Language, Parser } from 'web-tree-sitter';

const require = createRequire(import.meta.url);
let runtime: Promise<void> | undefined;
let hcl: Promise<Parser> | undefined;
let bash: Promise<Parser> | undefined;

/**
 * Parsers are created once per process and shared: loading and first-running a wasm grammar
 * is the slow part. Each grammar loads only when first needed (a JSON template needs no HCL,
 * a template without shell provisioners no bash).
 */
export function hclParser(): Promise<Parser> {
  hcl ??= create('@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-hcl.wasm');
  return hcl;
}

export function bashParser(): Promise<Parser> {
  bash ??= create('tree-sitter-bash/tree-sitter-bash.wasm');
  return bash;
}

async function create(grammar: string): Promise<Parser> {
  runtime ??= init();
  await runtime;
  const parser = new Parser();
  parser.setLanguage(await Language.load(require.resolve(grammar)));
  return parser;
}

/**
 * Keep wasm on V8's baseline compiler. Optimising the large grammar modules costs ~2 s of CPU
 * in background threads and holds the process open for seconds after lint is done, while
 * parsing itself is no slower on baseline code for the few thousand files one run reads
 * (measured: bench/RESULTS.md, "Template parsing"). Set before any grammar is compiled.
 */
function init(): Promise<void> {
  setFlagsFromString('--liftoff-only');
  return Parser.init();
}
