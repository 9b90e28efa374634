export { HeartbeatReadable, type HeartbeatInfo } from './heartbeat-readable.js';
export { withHeartbeat, type HeartbeatSource } from './with-heartbeat.js';
export { IDLE_LIMITS, type HeartbeatOptions, type HeartbeatTimers } from './options.js';
