import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { Language, Parser } from 'web-tree-sitter';

const require = createRequire(import.meta.url);
let bash: Promise<Parser> | undefined;

/**
 * The bash parser is created once per process, when a template first has shell to read:
 * loading and first-running the wasm grammar is the slow part.
 */
export function bashParser(): Promise<Parser> {
  bash ??= create('tree-sitter-bash/tree-sitter-bash.wasm');
  return bash;
}

async function create(grammar: string): Promise<Parser> {
  // Keep wasm on V8's baseline compiler: optimising the large grammar module costs more CPU in
  // background threads than one run's parsing saves (bench/RESULTS.md, "Template parsing").
  // Set before the grammar is compiled.
  setFlagsFromString('--liftoff-only');
  await Parser.init();
  const parser = new Parser();
  parser.setLanguage(await Language.load(require.resolve(grammar)));
  return parser;
}
