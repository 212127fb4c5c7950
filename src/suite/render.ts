import { readTextCapped } from '../core/fs.js';
import { MAX_YAML_BYTES } from '../core/yaml-document.js';
import { renderTemplate } from './go-template.js';
import { type GossDoc, type GossEntry, renderGossDoc, type StoreFormat } from './gossfile-write.js';
import { type LoadOptions, loadSuite, loadVars, resolveSuitePath } from './load.js';

/**
 * goss `render`: the suite as validate reads it — templates rendered, `gossfile` includes merged
 * (later definitions winning, skipped includes left out) — written back as one gossfile in
 * goss's layout. `debug` is the top file's text after templates, which `render --debug` prints.
 */
export async function renderSuite(
  file: string,
  format: StoreFormat,
  opts: Pick<LoadOptions, 'vars' | 'varsInline'> = {},
): Promise<{ text: string; debug: string }> {
  const suite = await loadSuite(file, opts);
  const doc: GossDoc = {};
  for (const r of suite.resources) {
    const entry: GossEntry = { ...r.attrs };
    if (r.title !== '') entry.title = r.title;
    if (r.meta !== null) entry.meta = r.meta;
    if (r.skip) entry.skip = true;
    doc[r.type] ??= {};
    doc[r.type]![r.key] = entry;
  }
  const path = resolveSuitePath(file);
  const debug = renderTemplate(readTextCapped(path, MAX_YAML_BYTES, 78), file, {
    Vars: loadVars(opts.vars, opts.varsInline),
    Env: process.env,
  });
  return { text: renderGossDoc(doc, format), debug };
}
