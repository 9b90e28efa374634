import { main } from './main.js';
import { runHeartbeatTail } from './tail.js';

await main(runHeartbeatTail);
