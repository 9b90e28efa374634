export { startLocalOss, type LocalOss, type LocalOssOptions, type LocalOssStats } from './local-oss.js';
