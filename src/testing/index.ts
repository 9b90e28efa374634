export { startLocalOss, type LocalOss, type LocalOssFaults, type LocalOssStats } from './local-oss/server.js';
export { resolveLocalOssOptions, type LocalOssOptions, type ResolvedLocalOssOptions } from './local-oss/options.js';
export type { FaultKind, FaultMatch, FaultSpec } from './local-oss/faults.js';
export type { OssOperation } from './local-oss/route.js';
