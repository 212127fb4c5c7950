import { createRequire } from 'node:module';
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
  runtime ??= Parser.init();
  await runtime;
  const parser = new Parser();
  parser.setLanguage(await Language.load(require.resolve(grammar)));
  return parser;
}
