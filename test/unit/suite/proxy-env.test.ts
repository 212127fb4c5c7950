import { describe, expect, it } from 'vitest';
import { proxyConfig, proxyForUrl } from '../../../src/suite/proxy-env.js';

/** Go's ProxyFromEnvironment (golang.org/x/net/http/httpproxy), as goss's http check uses it. */
const NO_PROXY =
  'foobar.com, .barbaz.net, *.wildcard.io, 192.168.1.1, 192.168.1.2:81, 192.168.1.3:80, 10.0.0.0/30, 2001:db8::52:0:1, 2002:db8:a::45/64';
const cfg = proxyConfig({ HTTP_PROXY: 'http://proxy.corp:3128', NO_PROXY });
const via = (url: string) => proxyForUrl(cfg, new URL(url));

describe('proxyForUrl', () => {
  it('takes HTTP_PROXY for http and HTTPS_PROXY for https, upper case first, empty as unset', () => {
    const c = proxyConfig({
      http_proxy: 'http://low:1',
      HTTP_PROXY: 'http://up:2',
      https_proxy: 'http://s:3',
      HTTPS_PROXY: '',
    });
    expect(proxyForUrl(c, new URL('http://example.com/'))).toBe('http://up:2/');
    expect(proxyForUrl(c, new URL('https://example.com/'))).toBe('http://s:3/');
    expect(proxyForUrl(proxyConfig({}), new URL('http://example.com/'))).toBeUndefined();
    expect(
      proxyForUrl(proxyConfig({ HTTPS_PROXY: 'http://s:3' }), new URL('http://example.com/')),
    ).toBeUndefined();
  });

  it('reads a proxy without a scheme as http://', () => {
    expect(
      proxyForUrl(proxyConfig({ HTTP_PROXY: 'cache.corp.example.com:1234' }), new URL('http://x.org/')),
    ).toBe('http://cache.corp.example.com:1234/');
    expect(proxyForUrl(proxyConfig({ HTTP_PROXY: 'cache.corp.example.com' }), new URL('http://x.org/'))).toBe(
      'http://cache.corp.example.com/',
    );
  });

  it('refuses HTTP_PROXY in a CGI environment (REQUEST_METHOD set), as Go does', () => {
    const c = proxyConfig({ HTTP_PROXY: 'http://p:1', REQUEST_METHOD: 'GET' });
    expect(() => proxyForUrl(c, new URL('http://x.org/'))).toThrow(
      /refusing to use HTTP_PROXY value in CGI environment/,
    );
  });

  it.each([
    ['localhost', false],
    ['127.0.0.1', false],
    ['127.0.0.2', false],
    ['[::1]', false],
    ['[::2]', true],
    ['192.168.1.1', false],
    ['192.168.1.2', true],
    ['192.168.1.3', false],
    ['192.168.1.4', true],
    ['10.0.0.2', false],
    ['10.0.0.4', true],
    ['[2001:db8::52:0:1]', false],
    ['[2001:db8::52:0:2]', true],
    ['[2002:db8:a::123]', false],
    ['[fe80::424b:c8be:1643:a1b6]', true],
    ['barbaz.net', true],
    ['www.barbaz.net', false],
    ['foobar.com', false],
    ['www.foobar.com', false],
    ['foofoobar.com', true],
    ['baz.com', true],
    ['localhost.net', true],
    ['local.localhost', true],
    ['barbarbaz.net', true],
    ['wildcard.io', true],
    ['nested.wildcard.io', false],
    ['awildcard.io', true],
  ])('NO_PROXY and loopback: %s on port 80 is proxied: %s', (host, proxied) => {
    expect(via(`http://${host}/`)).toBe(proxied ? 'http://proxy.corp:3128/' : undefined);
  });

  it('matches NO_PROXY ports and "*"', () => {
    expect(via('http://192.168.1.2:81/')).toBeUndefined();
    const all = proxyConfig({ HTTP_PROXY: 'http://p:1', no_proxy: '*' });
    expect(proxyForUrl(all, new URL('http://anything.example/'))).toBeUndefined();
  });
});
