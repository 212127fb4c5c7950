import { DOMParser, type Node as XmlNode } from '@xmldom/xmldom';
import xpath from 'xpath';
import { invalidArg, isRecord, MatchError, type Matcher } from './core.js';

/**
 * `xml: {xpath: EXPR, result: TEXT}` (goss's XML matcher): the fact is parsed as XML and the
 * XPath evaluated. Node-set results are serialised and compared with `result`; with no `result`
 * the node-set must be non-empty. Number, boolean and string results compare as text (Go's %G
 * style for numbers: `3`, `1.5`). A mismatch is a normal failure.
 */
export function xml(value: unknown): Matcher {
  if (!isRecord(value) || typeof value.xpath !== 'string') throw invalidArg('xml', 'map with xpath', value);
  const expr = value.xpath;
  const expected = value.result === undefined ? '' : String(value.result);
  let got = '';
  return {
    match(actual) {
      if (typeof actual !== 'string')
        throw new MatchError(`XML expect pattern to be a string: ${JSON.stringify(actual)}`);
      let doc: ReturnType<DOMParser['parseFromString']>;
      try {
        // onError throws on errors, so malformed XML never yields a half-parsed document.
        doc = new DOMParser({
          onError: (level, msg) => {
            if (level !== 'warning') throw new MatchError(`Cannot parse XML string: ${msg}`);
          },
        }).parseFromString(actual, 'text/xml');
      } catch (err) {
        if (err instanceof MatchError) throw err;
        throw new MatchError(`Cannot parse XML string: ${(err as Error).message}`);
      }
      let result: unknown;
      try {
        result = xpath.select(expr, doc as unknown as Node);
      } catch (err) {
        throw new MatchError(`Invalid XPath query ${JSON.stringify(expr)}: ${(err as Error).message}`);
      }
      if (Array.isArray(result)) {
        if (expected.trim() === '') return result.length > 0;
        got = (result as XmlNode[]).map((n) => n.toString()).join('');
      } else {
        got = String(result);
      }
      return got === expected;
    },
    failure: (actual) => ({ message: 'satisfied XPath match with intended result', actual, expected }),
    negatedFailure: (actual) => ({
      message: 'cannot match xpath query with intended result',
      actual,
      expected,
    }),
    toJSON: () => ({ xml: expr }),
  };
}
