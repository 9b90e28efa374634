/**
 * The code under measurement, compiled as the package ships it. tsx, which runs the bench itself,
 * compiles with esbuild's keepNames: it redefines the name of every closure, which turns each one into
 * a dictionary-mode object of about 256 B and adds a defineProperty to every construction, costs no
 * user of the built package pays (HeartbeatReadable makes two closures per stream). So bench/run.ts
 * builds src/ first (bench/build.ts) and names the folder in BUILD_ENV, which child
 * processes inherit. A bench file run on its own, without it, measures src/ through tsx.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Core from '../src/index.js';
import type * as Oss from '../src/oss/index.js';
import type * as Testing from '../src/testing/index.js';
import { BUILD_ENV } from './build.js';
import type * as Seed from './seed-oss-read-stream.js';

const dir = process.env[BUILD_ENV];

/** Whether the figures measure the built package (true) or src/ through tsx. */
export const measuresBuild = dir !== undefined;

async function load<T>(built: string, source: () => Promise<T>): Promise<T> {
  if (dir === undefined) return source();
  return (await import(pathToFileURL(path.join(dir, built)).href)) as T;
}

export const { HeartbeatReadable, withHeartbeat } = await load<typeof Core>('index.js', () => import('../src/index.js'));
export const { SeedOssReadStream } = await load<typeof Seed>('seed-oss-read-stream.js', () => import('./seed-oss-read-stream.js'));

// Loaded on demand: ali-oss takes a while to load, and the idle-stream processes need none of it.
export const loadOss = (): Promise<typeof Oss> => load('oss/index.js', () => import('../src/oss/index.js'));
export const loadTesting = (): Promise<typeof Testing> => load('testing/index.js', () => import('../src/testing/index.js'));
