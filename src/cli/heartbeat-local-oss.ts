import { runHeartbeatLocalOss } from './local-oss.js';
import { main } from './main.js';

await main(runHeartbeatLocalOss);
