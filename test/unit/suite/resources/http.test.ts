import { describe, expect, it } from 'vitest';
import { http, lastResponse } from '../../../../src/suite/resources/http.js';
import { frames, spec } from './helpers.js';

describe('http', () => {
  it('keeps the status and headers of the final response after redirects', () => {
    const text =
      'HTTP/1.1 301 Moved\r\nLocation: /b\r\n\r\nHTTP/2 200\r\ncontent-type: text/html\r\nx-a: 1\r\n\r\n';
    expect(lastResponse(text)).toEqual({ status: 200, headers: ['content-type: text/html', 'x-a: 1'] });
  });

  it('reads wget -S headers from stderr and reports curl transport errors', () => {
    const wget = frames(
      ['r0', 'tool', 'wget'],
      ['r0', 'rc', '8'],
      ['r0', 'err', '  HTTP/1.1 404 Not Found\n  Server: x\n'],
      ['r0', 'body', 'nope\n'],
    );
    const f = http.facts(spec('http', 'http://h/'), 'r0', wget);
    expect(f.status).toEqual({ value: 404 });
    expect(f.headers).toEqual({ value: { kind: 'lines', lines: ['Server: x'] } });
    expect(f.body).toEqual({
      value: { kind: 'lines', lines: ['nope'], text: 'nope\n', reader: '*http.bodyEOFSignal' },
    });
    const refused = frames(
      ['r0', 'tool', 'curl'],
      ['r0', 'rc', '7'],
      ['r0', 'err', 'curl: (7) Failed to connect to h port 80'],
    );
    expect(http.facts(spec('http', 'http://h/'), 'r0', refused).status).toEqual({
      error: 'http http://h/: curl: (7) Failed to connect to h port 80',
    });
  });

  it('with only wget on the target, an option wget cannot send fails the check instead of being dropped', () => {
    const wget = frames(
      ['r0', 'tool', 'wget'],
      ['r0', 'rc', '0'],
      ['r0', 'err', '  HTTP/1.1 200 OK\n'],
      ['r0', 'body', 'ok'],
    );
    const put = http.facts(
      spec('http', 'http://h/', { status: 200, method: 'PUT', 'request-body': 'x' }),
      'r0',
      wget,
    );
    expect(put.status).toEqual({
      error: expect.stringMatching(/wget fallback cannot send method, request-body; install curl/),
    });
    const get = http.facts(spec('http', 'http://h/', { status: 200, method: 'GET' }), 'r0', wget);
    expect(get.status).toEqual({ value: 200 });
  });
});
