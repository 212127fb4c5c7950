import { type Dirent, readdirSync, readFileSync, type Stats, statSync } from 'node:fs';
import { join } from 'node:path';
import { unreadable } from './load.js';

const SKIP = new Set(['node_modules', '.git']);

/**
 * Templates under the given paths: each directory holding `*.pkr.hcl`/`*.pkr.json` files (one template),
 * and each legacy `*.json` file with a top-level `builders` key. File arguments are kept as
 * given. Results are in argument order, then sorted within each searched directory.
 */
export async function discoverTemplates(paths: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const path of paths) {
    let info: Stats;
    try {
      info = statSync(path);
    } catch (err) {
      throw unreadable(path, err);
    }
    if (!info.isDirectory()) {
      found.push(path);
      continue;
    }
    const inDir: string[] = [];
    const json: { file: string; text: string }[] = [];
    search(path, inDir, json);
    if (json.length > 0) {
      // The JSON parser loads only when some .json file might be a template: most trees are HCL.
      const { parseTree } = await import('jsonc-parser');
      for (const { file, text } of json) {
        const root = parseTree(text, [], { disallowComments: true });
        const builders =
          root?.type === 'object' && (root.children ?? []).some((p) => p.children?.[0]?.value === 'builders');
        if (builders) inDir.push(file);
      }
    }
    found.push(...inDir.sort());
  }
  return [...new Set(found)];
}

/**
 * Synchronous, like the template reader: many small directories, no thread-pool round trips.
 * `*.json` files that mention `"builders"` go to `json`, to be parsed by the caller.
 */
function search(dir: string, found: string[], json: { file: string; text: string }[]): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    throw unreadable(dir, err);
  }
  if (entries.some((e) => e.isFile() && /\.pkr\.(hcl|json)$/.test(e.name))) found.push(dir);
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && !SKIP.has(entry.name)) search(path, found, json);
    else if (entry.isFile() && entry.name.endsWith('.json') && !entry.name.endsWith('.pkr.json')) {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (err) {
        throw unreadable(path, err);
      }
      // A legacy Packer template is a JSON object with a top-level `builders` key.
      if (text.includes('"builders"')) json.push({ file: path, text });
    }
  }
}
