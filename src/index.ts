export { HeartbeatReadable, type HeartbeatInfo } from './heartbeat-readable.js';
export { withHeartbeat, type HeartbeatSource } from './with-heartbeat.js';
export {
  DEFAULT_FILLER_TEXT,
  IDLE_LIMITS,
  resolveHeartbeatOptions,
  type HeartbeatOptions,
  type HeartbeatTimers,
  type ResolvedHeartbeatOptions,
} from './options.js';
