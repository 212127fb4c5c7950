import { describe, expect, it } from 'vitest';
import { goSprintf } from '../../../src/suite/go-printf.js';

/** Expected strings are what Go 1.21's fmt.Sprintf prints for the same format and values. */
describe("goSprintf: Go's fmt verbs, flags, width and precision", () => {
  it.each([
    ['%03d', [7], '007'],
    ['%5d|%-5d|', [42, 42], '   42|42   |'],
    ['%+d % d', [5, 5], '+5  5'],
    ['%x %X %#x %o %#o %b %O', [255, 255, 255, 8, 8, 5, 8], 'ff FF 0xff 10 010 101 0o10'],
    ['%x %X', ['hi', 'hi'], '6869 6869'],
    ['%c %U', [65, 0x1f600], 'A U+1F600'],
    ['%s|%10s|%-10s|%.2s', ['go', 'go', 'go', 'gopher'], 'go|        go|go        |go'],
    ['%q %#q', ['a"b\n', 'raw'], '"a\\"b\\n" `raw`'],
    ['%v %v %v %v', [[1, 'a'], { b: 2, a: 1 }, null, true], '[1 a] map[a:1 b:2] <nil> true'],
    ['%t', [false], 'false'],
    ['%f %.2f %8.3f %-8.1f|', [1.23456, 1.23456, 1.23456, 2.5], '1.234560 1.23    1.235 2.5     |'],
    ['%e %E %.2e', [1234.5678, 1234.5678, 0.000123], '1.234568e+03 1.234568E+03 1.23e-04'],
    [
      '%g %g %g %g %g',
      [1000000.5, 100000.5, 0.0001, 0.00001, 2.5],
      '1.0000005e+06 100000.5 0.0001 1e-05 2.5',
    ],
    ['%.3g %G', [1.23456, 1e-7], '1.23 1E-07'],
    ['%v %v', [1.5, 1000000.5], '1.5 1.0000005e+06'],
    ['%T %T %T %T %T', ['s', 1, 1.5, [1], {}], 'string int float64 []interface {} map[string]interface {}'],
    ['%*d|%-*d|', [4, 7, 4, 7], '   7|7   |'],
    ['%05.1f', [-2.34], '-02.3'],
    ['100%%', [], '100%'],
  ])('%s', (format, args, want) => {
    expect(goSprintf(format, args)).toBe(want);
  });

  it("prints Go's error forms instead of throwing", () => {
    expect(goSprintf('%d', ['x'])).toBe('%!d(string=x)');
    expect(goSprintf('%d %s', [1])).toBe('1 %!s(MISSING)');
    expect(goSprintf('%d', [1, 'two', 3])).toBe('1%!(EXTRA string=two, int=3)');
    expect(goSprintf('%f', [2])).toBe('%!f(int=2)');
    expect(goSprintf('%z', [1])).toBe('%!z(int=1)');
    expect(goSprintf('%d', [null])).toBe('%!d(<nil>)');
    expect(goSprintf('%', [])).toBe('%!(NOVERB)');
  });
});
