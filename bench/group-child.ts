/** Runs one group of figures in a fresh process and prints them as one JSON line. */
import type { Mode } from './config.js';
import { GROUP_NAMES, runGroup, type GroupName } from './groups.js';

const [name, mode] = process.argv.slice(2);
if (!GROUP_NAMES.includes(name as GroupName)) throw new Error(`unknown group ${name}`);
console.log(JSON.stringify(await runGroup(name as GroupName, mode as Mode)));
