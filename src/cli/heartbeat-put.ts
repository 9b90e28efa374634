import { runHeartbeatPut } from './run.js';

// urllib prints "[urllib:warn] ... callback twice" with a stack when a failed request also errors late;
// the command prints one line per failure, so those go to the debug output only.
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].startsWith('[urllib:warn]') && !process.env.DEBUG) return;
  warn(...args);
};

process.exitCode = await runHeartbeatPut({
  argv: process.argv.slice(2),
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  signals: process,
});
