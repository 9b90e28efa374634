import Agent from 'agentkeepalive';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createOssClient,
  DEFAULT_FREE_SOCKET_TIMEOUT_MS,
  DEFAULT_MAX_UPLOAD_MS,
  type OssClientOptions,
} from '../../src/oss/index.js';
import { internalsOf, type ClientInternals } from '../support/local-oss.js';

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
});

/*
 * The credential rule (src/oss/credentials.ts): a bucket, endpoint or region holds a credential when it
 * contains one of 16 characters or more, in any case, as given or percent-encoded, or equals a shorter one.
 * Real credentials are that long; test values are shorter, and ordinary names contain them.
 */
describe('createOssClient refuses a value that holds a credential, and only then', () => {
  const SECRET = 'Zq9SeCrEt7Xw2Kp4Lm8Nb6Vc5Hj3Tr'; // 30 characters, as an AccessKey secret
  const KEY_ID = 'LTAI5tKeYiDnOtShOwN4x2Qp'; // 24, as an AccessKey ID
  const TOKEN = 'CAIS+StS/ToKeN9q8w7e6r5t4y3u2i1o0p+Aa/Bb=Cc+Dd/Ee=='; // STS tokens hold '+', '/' and '='
  const real = { accessKeyId: KEY_ID, accessKeySecret: SECRET, stsToken: TOKEN };

  /** The refusal's message, with any credential in it named instead: a failing test prints none. */
  function refusal(options: Partial<OssClientOptions>): string {
    try {
      create(options);
      return 'none';
    } catch (error) {
      const { message } = error as Error;
      return [SECRET, KEY_ID, TOKEN, encodeURIComponent(TOKEN)].some((value) => message.toLowerCase().includes(value.toLowerCase()))
        ? 'a message that shows a credential'
        : message;
    }
  }
  const holds = (name: string): string =>
    `${name} must not hold a credential (are two variables swapped?), got a value that contains a credential`;

  it.each<[string, Partial<OssClientOptions>]>([
    ["LocalStack's test/test, bucket test-logs", { accessKeyId: 'test', accessKeySecret: 'test', bucket: 'test-logs' }],
    ['id/sk, bucket logs-sk', { accessKeyId: 'id', accessKeySecret: 'sk', bucket: 'logs-sk' }],
    ['key ID local, endpoint http://localhost:4566', { accessKeyId: 'local', endpoint: 'http://localhost:4566' }],
    ['key ID cn, region oss-cn-hangzhou', { accessKeyId: 'cn', endpoint: undefined, region: 'oss-cn-hangzhou' }],
    ['a 15-character secret in a bucket name', { accessKeySecret: 'fifteen-chars-x', bucket: 'logs-fifteen-chars-x' }],
    // With refreshSTSTokenInterval, as heartbeat-put passes it: else ali-oss prints its advice to set one.
    ['a short token in an endpoint', { stsToken: 'tok', refreshSTSTokenInterval: 300_000, endpoint: 'http://tok.example.com' }],
  ])('accepts %s', (_what, options) => {
    expect(refusal(options)).toBe('none');
  });

  it.each<[string, Partial<OssClientOptions>, string]>([
    ['a 30-character secret as the bucket name, lowercased', { ...real, bucket: SECRET.toLowerCase() }, 'bucket'],
    ['a 30-character secret inside a bucket name', { ...real, bucket: `logs-${SECRET.toLowerCase()}` }, 'bucket'],
    ['a 24-character key ID inside a bucket name', { ...real, bucket: `logs-${KEY_ID.toLowerCase()}` }, 'bucket'],
    ['a 30-character secret as the region', { ...real, region: SECRET }, 'region'],
    ['a 30-character secret in capitals inside a region', { ...real, region: `oss-${SECRET.toUpperCase()}` }, 'region'],
    ['a 30-character secret as an endpoint host', { ...real, endpoint: `https://${SECRET.toLowerCase()}.example.com` }, 'endpoint'],
    ['a 30-character secret as an endpoint password', { ...real, endpoint: `https://id:${SECRET}@oss.example.com` }, 'endpoint'],
    ['an STS token percent-encoded in an endpoint query', { ...real, endpoint: `https://oss.example.com/?t=${encodeURIComponent(TOKEN)}` }, 'endpoint'],
    ['an STS token in a URL endpoint', { ...real, endpoint: new URL(`https://oss.example.com/?t=${TOKEN}`) }, 'endpoint'],
    ['a 16-character secret inside a bucket name', { accessKeySecret: 'sixteen-chars-xy', bucket: 'logs-sixteen-chars-xy' }, 'bucket'],
    // Swapped variables, whatever the length.
    ['a 4-character secret as the bucket name', { accessKeyId: 'test', accessKeySecret: 'test', bucket: 'test' }, 'bucket'],
    ['a 2-character key ID as the region, in capitals', { accessKeyId: 'cn', endpoint: undefined, region: 'CN' }, 'region'],
  ])('refuses %s', (_what, options, name) => {
    expect(refusal(options)).toBe(holds(name));
  });
});
