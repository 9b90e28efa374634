export {
  createOssClient,
  DEFAULT_FREE_SOCKET_TIMEOUT_MS,
  DEFAULT_MAX_UPLOAD_MS,
  resolveOssClientOptions,
  type OssClientOptions,
  type ResolvedOssClientOptions,
} from './create-oss-client.js';
export {
  putStreamWithHeartbeat,
  resolvePutStreamWithHeartbeatOptions,
  type PutStreamWithHeartbeatOptions,
  type PutStreamWithHeartbeatResult,
} from './put-stream-with-heartbeat.js';
export { AbortError } from './abort-error.js';
export { UnconfirmedSuccessError } from './unconfirmed-success-error.js';
export { explainUploadError, type UploadErrorExplanation, type UploadErrorKind } from './explain-upload-error.js';
export { uploadContextOf, type UploadContext } from './upload-context.js';
export * from './append/index.js';
export {
  followLog,
  LogFollower,
  DEFAULT_POLL_INTERVAL_MS,
  READ_BYTES,
  resolveFollowLogOptions,
  type FollowLogOptions,
  type FollowConfig as ResolvedFollowLogOptions,
} from './log/follow-log.js';
export { FollowLogError, type FollowLogErrorCode } from './log/follow-errors.js';
