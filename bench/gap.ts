import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { setTimeout } from 'node:timers/promises';
import { startLocalOssProcess } from './local-oss-process.js';
import { loadOss } from './product.js';
import { figure, type Figure } from './report.js';

export interface GapConfig {
  silenceMs: number;
}

const HEARTBEAT_AFTER_MS = 500;
const IDLE_LIMIT_MS = 1000;

/** Blocks the event loop for `blockMs` of every `periodMs`, as a CPU-bound build step in the same process would. */
function busyLoop(blockMs: number, periodMs: number): () => void {
  const interval = setInterval(() => {
    const until = performance.now() + blockMs;
    while (performance.now() < until) {
      // spin
    }
  }, periodMs);
  return () => clearInterval(interval);
}

interface GapRun {
  maxBodyGapMs: number;
  /** The upload went through: stored, never ended by the server for idling. */
  stored: boolean;
  heartbeats: number;
  error?: string;
}

/** One upload: a log line, `silenceMs` of nothing, another line; the server reports the longest gap. */
async function uploadThroughSilence(silenceMs: number, busy: boolean): Promise<GapRun> {
  const { createOssClient, putStreamWithHeartbeat } = await loadOss();
  const server = await startLocalOssProcess(IDLE_LIMIT_MS);
  const stopBusy = busy ? busyLoop(50, 100) : () => {};
  try {
    const client = createOssClient(server.clientOptions);
    const log = new Readable({ read() {} });
    log.push('step 1: compiling\n');
    void setTimeout(silenceMs).then(() => {
      log.push('step 2: done\n');
      log.push(null);
    });
    // A failed upload fails the figure, but its gap still goes into the detail: it says how long the wire was silent.
    const outcome = await putStreamWithHeartbeat(client, 'build.log', log, {
      heartbeat: { idleLimitMs: IDLE_LIMIT_MS, heartbeatAfterMs: HEARTBEAT_AFTER_MS },
    }).then(
      (result) => ({ heartbeats: result.heartbeats }),
      (error: unknown) => ({ heartbeats: Number.NaN, error: String(error) }),
    );
    const stats = await server.stats();
    return { maxBodyGapMs: stats.maxBodyGapMs, stored: stats.stored === 1 && stats.idleClosed === 0, ...outcome };
  } finally {
    stopBusy();
    await server.close();
  }
}

export async function gapFigures(config: GapConfig): Promise<Figure[]> {
  const seconds = `${config.silenceMs / 1000} s`;
  const row = async (busy: boolean): Promise<Figure> => {
    const run = await uploadThroughSilence(config.silenceMs, busy);
    const limit = busy ? IDLE_LIMIT_MS : HEARTBEAT_AFTER_MS;
    return figure({
      figure: busy
        ? `longest body gap, ${seconds} silence, loop blocked 50 ms every 100 ms`
        : `longest body gap, ${seconds} silence, heartbeatAfterMs ${HEARTBEAT_AFTER_MS}`,
      baseline: busy ? `idleLimitMs (${IDLE_LIMIT_MS})` : `heartbeatAfterMs (${HEARTBEAT_AFTER_MS})`,
      value: run.stored ? run.maxBodyGapMs / limit : Number.NaN,
      unit: 'x',
      comparison: busy ? '<' : '<=',
      goal: busy ? 1 : 1.1,
      detail:
        `server's maxBodyGapMs ${run.maxBodyGapMs.toFixed(1)} ms; ${run.heartbeats} heartbeats; ` +
        `upload ${run.stored ? 'stored' : `NOT stored: ${run.error ?? 'ended by the server'}`}`,
    });
  };
  return [await row(false), await row(true)];
}
