import { goSprintf } from '../go-printf.js';
import { type Compile, invalidArg, MatchError, type Matcher } from './core.js';
import { get, gjsonValid, resultValue } from './gjson-path.js';
import { gomegaObject } from './gomega-format.js';
import { and } from './logic.js';
import { type Transformer, withTransform } from './transform.js';

/**
 * `gjson: {PATH: matcher, ...}`: each path is extracted from the fact (a JSON string) and must
 * pass its matcher; all paths must pass (goss builds an `and`). Paths are checked in sorted
 * order so results are stable.
 */
function gjsonT(path: string): Transformer {
  if (path.startsWith('..'))
    throw new MatchError(`gjson path ${JSON.stringify(path)}: JSON lines (..) are not supported`);
  return {
    apply(v) {
      if (typeof v !== 'string') throw new MatchError(`Expected string, Got:${gomegaObject(v)}`);
      if (!gjsonValid(v)) throw new MatchError('Invalid json');
      const r = get(v, path);
      if (r === null) throw new MatchError(`Path not found: ${path}`);
      return resultValue(r);
    },
    toJSON: () => ({ gjson: { Path: path } }),
    goName: `matchers.Gjson{Path:${goSprintf('%q', [path])}}`,
  };
}

export function gjson(value: unknown, compile: Compile): Matcher {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidArg('gjson', 'map', value);
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  return and(entries.map(([path, sub]) => withTransform(gjsonT(path), compile(sub))));
}
