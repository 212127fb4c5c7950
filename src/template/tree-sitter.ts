import { createRequire } from 'node:module';
import { Language, Parser } from 'web-tree-sitter';

/** The two grammars lint needs. Created once per process: loading wasm is the slow part. */
export interface Parsers {
  hcl: Parser;
  bash: Parser;
}

const require = createRequire(import.meta.url);
let ready: Promise<Parsers> | undefined;

/** Lazily initialise web-tree-sitter and both grammars; every caller shares the same parsers. */
export function parsers(): Promise<Parsers> {
  ready ??= load();
  return ready;
}

async function load(): Promise<Parsers> {
  await Parser.init();
  const [hclLanguage, bashLanguage] = await Promise.all([
    Language.load(require.resolve('@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-hcl.wasm')),
    Language.load(require.resolve('tree-sitter-bash/tree-sitter-bash.wasm')),
  ]);
  const hcl = new Parser();
  hcl.setLanguage(hclLanguage);
  const bash = new Parser();
  bash.setLanguage(bashLanguage);
  return { hcl, bash };
}
