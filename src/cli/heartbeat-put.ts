import { main } from './main.js';
import { runHeartbeatPut } from './run.js';

await main(runHeartbeatPut);
