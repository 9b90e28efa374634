import { Readable } from 'node:stream';
import { logChunk } from './kinds.js';
import { startLocalOssProcess } from './local-oss-process.js';
import { loadOss } from './product.js';
import { alternate, median, timed } from './ratio.js';
import { figure, type Figure } from './report.js';

export interface UploadConfig {
  rounds: number;
  bytes: number;
}

const CHUNK = 64 * 1024;

/** A source as a log file tailer hands out: fresh 64 KiB chunks of text. */
function source(bytes: number): Readable {
  const template = logChunk(CHUNK);
  let left = Math.ceil(bytes / CHUNK);
  return new Readable({
    read() {
      if (left-- === 0) this.push(null);
      else this.push(Buffer.from(template));
    },
  });
}

export async function uploadFigures(config: UploadConfig): Promise<Figure[]> {
  // The server has a process of its own: its parsing and hashing must not eat the client's time.
  const { createOssClient, putStreamWithHeartbeat } = await loadOss();
  const server = await startLocalOssProcess(60_000);
  try {
    const client = createOssClient(server.clientOptions);
    let uploads = 0;
    // The client's CPU time is kept beside the wall time: it is what the wrapper itself costs.
    const cpu = { plain: [] as number[], wrapped: [] as number[] };
    const plain = timed(() => client.putStream('plain.bin', source(config.bytes)).then(() => uploads++), 'wall', cpu.plain);
    const wrapped = timed(
      () => putStreamWithHeartbeat(client, 'wrapped.bin', source(config.bytes)).then(() => uploads++),
      'wall',
      cpu.wrapped,
    );
    // Untimed: the first upload opens the socket and compiles the hot paths.
    await plain();
    await wrapped();
    cpu.plain.length = cpu.wrapped.length = 0;
    const result = await alternate(config.rounds, plain, wrapped);
    const cpuRatio = median(cpu.wrapped.map((ms, i) => ms / cpu.plain[i]!));
    const { stored, aborted, idleClosed } = await server.stats();
    const mibPerS = (ms: number): string => `${(config.bytes / 2 ** 20 / (ms / 1000)).toFixed(0)} MiB/s`;
    return [
      figure({
        figure: `ali-oss putStream of ${config.bytes / 2 ** 20} MiB, local server in another process`,
        baseline: 'same source, no wrapper',
        // An upload the server did not store is no figure at all.
        value: stored === uploads ? result.ratio : Number.NaN,
        unit: 'x',
        comparison: '<=',
        goal: 1.03,
        detail:
          `putStream ${mibPerS(result.baselineMedian)}, putStreamWithHeartbeat ${mibPerS(result.candidateMedian)}; ` +
          `server stored ${stored} of ${uploads}, aborted ${aborted}, idle-closed ${idleClosed}; ` +
          `ratios ${result.ratios.map((r) => r.toFixed(3)).join(' ')}; client CPU time ratio ${cpuRatio.toFixed(3)}`,
      }),
    ];
  } finally {
    await server.close();
  }
}
