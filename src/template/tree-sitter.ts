import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { Language, Parser } from 'web-tree-sitter';

const require = createRequire(import.meta.url);
let powershell: Promise<Parser> | undefined;
/** The wasm runtime, initialised once. */
let runtime: Promise<void> | undefined;

/** The PowerShell parser, loaded only when a template has a powershell provisioner. */
export function powershellParser(): Promise<Parser> {
  powershell ??= create('tree-sitter-powershell/tree-sitter-powershell.wasm');
  return powershell;
}

async function create(grammar: string): Promise<Parser> {
  // Keep wasm on V8's baseline compiler: optimising the large grammar module costs more CPU in
  // background threads than one run's parsing saves (bench/RESULTS.md, "Template parsing").
  // Set before the grammar is compiled.
  setFlagsFromString('--liftoff-only');
  runtime ??= Parser.init();
  await runtime;
  const parser = new Parser();
  parser.setLanguage(await Language.load(require.resolve(grammar)));
  return parser;
}
