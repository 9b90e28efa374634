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
});
