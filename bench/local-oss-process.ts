import { once } from 'node:events';
import type OSS from 'ali-oss';
import type { LocalOssStats } from '../src/testing/index.js';
import { spawnBenchScript } from './child.js';
import type { ClientMessage, ServerMessage } from './local-oss-child.js';

export interface LocalOssProcess {
  clientOptions: OSS.Options;
  stats(): Promise<LocalOssStats>;
  close(): Promise<void>;
}

/** Starts bench/local-oss-child.ts and talks to it over IPC. */
export async function startLocalOssProcess(idleLimitMs: number): Promise<LocalOssProcess> {
  const child = spawnBenchScript('./local-oss-child.ts', [String(idleLimitMs)]);
  // Nothing is expected on stdout; drained all the same, so a stray log line can never block the server.
  child.stdout?.resume();
  const exited = once(child, 'exit');
  const next = async <T extends ServerMessage['type']>(type: T): Promise<Extract<ServerMessage, { type: T }>> => {
    const [message] = (await Promise.race([once(child, 'message'), exited])) as [ServerMessage | number | null];
    if (typeof message !== 'object' || message === null || message.type !== type) {
      throw new Error(`local OSS process: expected '${type}', got ${JSON.stringify(message)}`);
    }
    return message as Extract<ServerMessage, { type: T }>;
  };
  const ask = (message: ClientMessage): void => {
    child.send(message);
  };
  const { clientOptions } = await next('ready');
  return {
    clientOptions,
    stats: async () => {
      ask('stats');
      return (await next('stats')).stats;
    },
    close: async () => {
      if (child.exitCode !== null) return;
      ask('close');
      await exited;
    },
  };
}
