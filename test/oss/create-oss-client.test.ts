import Agent from 'agentkeepalive';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createOssClient,
  DEFAULT_FREE_SOCKET_TIMEOUT_MS,
  DEFAULT_MAX_UPLOAD_MS,
  type OssClientOptions,
} from '../../src/oss/index.js';
import { internalsOf, type ClientInternals } from './helpers.js';

// No request is made: the endpoint is never dialled.
const base = {
  endpoint: 'http://127.0.0.1:9',
  bucket: 'builds',
  accessKeyId: 'id-for-tests',
  accessKeySecret: 'secret-for-tests',
};

const agents: { destroy(): void }[] = [];
afterEach(() => {
  for (const agent of agents.splice(0)) agent.destroy();
});

function create(options: Partial<OssClientOptions>) {
  const client = internalsOf(createOssClient({ ...base, ...options }));
  agents.push(client.agent, client.httpsAgent);
  return client;
}

type AgentKeepAlive = InstanceType<typeof Agent> & { keepAlive: boolean; options: Record<string, unknown> };

describe('createOssClient', () => {
  it('gives ali-oss keep-alive agents and a response timeout that outlast a long upload', () => {
    const client = create({});
    const http = client.agent as unknown as AgentKeepAlive;
    const https = client.httpsAgent as unknown as AgentKeepAlive;

    expect(DEFAULT_MAX_UPLOAD_MS).toBe(2 * 60 * 60 * 1000);
    expect(client.options.timeout).toBe(DEFAULT_MAX_UPLOAD_MS);
    expect(http).toBeInstanceOf(Agent);
    expect(https).toBeInstanceOf(Agent.HttpsAgent);
    for (const agent of [http, https]) {
      expect(agent.keepAlive).toBe(true);
      expect(agent.options).toMatchObject({
        timeout: DEFAULT_MAX_UPLOAD_MS,
        freeSocketTimeout: DEFAULT_FREE_SOCKET_TIMEOUT_MS,
      });
    }
  });

  it('uses maxUploadMs and freeSocketTimeoutMs', () => {
    const client = create({ maxUploadMs: 90_000, freeSocketTimeoutMs: 1000 });

    expect(client.options.timeout).toBe(90_000);
    const { options } = client.agent as unknown as AgentKeepAlive;
    expect(options).toMatchObject({ timeout: 90_000, freeSocketTimeout: 1000 });
    expect(client.options).not.toHaveProperty('maxUploadMs');
  });

  it("keeps the caller's own agent, httpsAgent and timeout", () => {
    const agent = new Agent();
    const httpsAgent = new Agent.HttpsAgent();
    agents.push(agent, httpsAgent);

    expect(create({ agent, timeout: '90s' })).toMatchObject({ agent, options: { timeout: 90_000 } });
    expect(create({ httpsAgent }).httpsAgent).toBe(httpsAgent);
  });

  it('takes a timeout as ali-oss reads it (humanize-ms), an endpoint as a string or a URL, and a region', () => {
    expect(create({ timeout: 60_000 }).options.timeout).toBe(60_000);
    expect(create({ timeout: '2m' }).options.timeout).toBe(120_000);
    const client = create({ endpoint: new URL('http://127.0.0.1:9') }) as unknown as { options: { endpoint: { host: string } } };
    expect(client.options.endpoint.host).toBe('127.0.0.1:9');
    const byRegion = internalsOf(
      createOssClient({ ...base, endpoint: undefined, region: 'oss-cn-hangzhou', secure: true, cname: false }),
    ) as unknown as ClientInternals & { options: { endpoint: { href: string } } };
    agents.push(byRegion.agent, byRegion.httpsAgent);
    expect(byRegion.options.endpoint.href).toBe('https://oss-cn-hangzhou.aliyuncs.com/');
  });

  // CI variables swapped, a token pasted into an endpoint: refused, valid-looking or not, and never shown.
  it.each([
    ['region', { region: 'secret-for-tests' }],
    ['region', { region: 'SECRET-FOR-TESTS' }],
    ['bucket', { bucket: 'secret-for-tests' }],
    ['endpoint', { endpoint: 'https://id:secret-for-tests@oss.example.com' }],
    ['endpoint', { endpoint: new URL('https://oss.example.com/?token=Secret-For-Tests') }],
  ])('refuses a %s that holds a credential, without showing it', (name, options) => {
    expect(() => create(options as Partial<OssClientOptions>)).toThrow(
      new RangeError(`${name} must not hold a credential (are two variables swapped?), got a value that contains a credential`),
    );
  });

  it('never shows a credential in a value it refuses for another reason', () => {
    expect(() => create({ timeout: 'secret-for-tests' })).toThrow(
      new RangeError('timeout must be a positive duration: a number of ms or a string such as "60s", got a value that contains a credential'),
    );
  });

  it('masks what may be a credential in an endpoint: its user, password and query', () => {
    expect(() => create({ endpoint: 'https://user:pw@oss.example.com' })).toThrow(
      new RangeError(
        'endpoint must be a host or an http(s) URL such as https://oss-cn-hangzhou.aliyuncs.com, with no user, ' +
          'password, path or query, got "https://***@oss.example.com/"',
      ),
    );
    expect(() => create({ endpoint: 'https://oss.example.com/?security-token=abc' })).toThrow(/got "https:\/\/oss\.example\.com\/\?\*\*\*"$/);
  });

  // Exact messages, so none of them can echo a credential.
  it.each([
    { options: undefined, error: new TypeError('options must be an object, got undefined') },
    { options: 'oss', error: new TypeError('options must be an object, got "oss"') },
    { options: { maxUploadMs: '2h' }, error: new TypeError('maxUploadMs must be a positive finite number, got "2h"') },
    { options: { maxUploadMs: 0 }, error: new RangeError('maxUploadMs must be a positive finite number, got 0') },
    {
      options: { maxUploadMs: 2 ** 31 },
      error: new RangeError('maxUploadMs must be at most 2147483647 ms, got 2147483648'),
    },
    {
      options: { freeSocketTimeoutMs: Infinity },
      error: new RangeError('freeSocketTimeoutMs must be a positive finite number, got Infinity'),
    },
    {
      options: { freeSocketTimeoutMs: null },
      error: new TypeError('freeSocketTimeoutMs must be a positive finite number, got null'),
    },
  ])('rejects with $error', ({ options, error }) => {
    const withCredentials = typeof options === 'object' ? { ...base, ...options } : options;
    // @ts-expect-error -- deliberately wrong types
    const attempt = () => createOssClient(withCredentials);

    expect(attempt).toThrow(error);
    expect(attempt).toThrow(error.constructor);
  });
});
