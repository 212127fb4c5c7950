import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { xml } from '../../../../src/report/compliance/escape.js';
import { renderJunit } from '../../../../src/report/compliance/junit.js';
import { INJECTION } from '../../../fixtures/report/verdicts.js';
import { fixtureModel } from './helpers.js';

interface TestCase {
  '@_classname': string;
  '@_name': string;
  failure?: { '@_message': string; '@_type': string };
  skipped?: unknown;
}
interface TestSuite {
  '@_name': string;
  '@_tests': string;
  '@_failures': string;
  testcase: TestCase[];
}

describe('renderJunit', () => {
  const { model } = fixtureModel();
  const text = renderJunit(model);
  const doc = new XMLParser({
    ignoreAttributes: false,
    isArray: (name) => name === 'testsuite' || name === 'testcase',
  }).parse(text) as { testsuites: Record<string, string> & { testsuite: TestSuite[] } };
  const suites = doc.testsuites.testsuite;
  const suite = (name: string) => suites.find((s) => s['@_name'] === name)!;

  it('is well-formed XML even with markup in a resource id', () => {
    expect(XMLValidator.validate(text)).toBe(true);
    const inj = suite('packer/base/manifest.json#0 / goss/base.yaml').testcase.find((c) =>
      c['@_name'].startsWith('"><img'),
    );
    expect(inj?.['@_name']).toBe(`${INJECTION}: exit-status`);
  });

  it('fails the integrity test case of a tampered verdict', () => {
    const integrity = suite('legacy-app / verdict').testcase[0]!;
    expect(integrity.failure?.['@_type']).toBe('tampered');
    expect(suite('web:1.4.2 / verdict').testcase[0]!.failure).toBeUndefined();
  });

  it('has one test case per checked property, with failures and skips marked', () => {
    const base = suite('packer/base/manifest.json#0 / goss/base.yaml');
    expect(base['@_tests']).toBe('6');
    expect(base['@_failures']).toBe('2');
    expect(base.testcase.filter((c) => c.skipped !== undefined)).toHaveLength(1);
    expect(doc.testsuites['@_failures']).toBe(String(3 + 1 + 2 + 1)); // checks + tampered + lint error/warning (base) + lint error (legacy)
  });

  it('fails lint error and warning findings but not info ones', () => {
    const lint = suite('packer/base/manifest.json#0 / lint').testcase;
    expect(lint.map((c) => c.failure?.['@_type'] ?? 'ok')).toEqual(['error', 'warning', 'ok']);
  });
});

describe('escape.xml', () => {
  it('replaces characters XML cannot carry', () => {
    expect(xml("a\u0001b\tc'")).toBe('a\ufffdb\tc&apos;');
  });
});
