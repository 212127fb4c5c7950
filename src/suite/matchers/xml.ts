import { createRequire } from 'node:module';
import type { DOMParser as XmlDomParser, Node as XmlNode } from '@xmldom/xmldom';
import type xpathModule from 'xpath';
import { invalidArg, isRecord, MatchError, type Matcher } from './core.js';

type XmlLibraries = { DOMParser: typeof XmlDomParser; xpath: typeof xpathModule };
let libraries: XmlLibraries | undefined;

/**
 * The XML parser and XPath engine load on the first XML match, not with the suite engine: a
 * suite without an `xml` matcher should not pay their ~90 ms of imports. Both are CommonJS, so
 * a synchronous require keeps `match` synchronous.
 */
function xmlLibraries(): XmlLibraries {
  if (!libraries) {
    const require = createRequire(import.meta.url);
    const { DOMParser } = require('@xmldom/xmldom') as typeof import('@xmldom/xmldom');
    libraries = { DOMParser, xpath: require('xpath') as typeof xpathModule };
  }
  return libraries;
}

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
      const { DOMParser, xpath } = xmlLibraries();
      let doc: ReturnType<XmlDomParser['parseFromString']>;
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
