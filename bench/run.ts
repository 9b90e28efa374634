/**
 * `npm run bench`: the figures of issue 5, each measured against its baseline in the same run, printed
 * as a table and written to bench/results.json. A missed goal is reported, never an exit code:
 * a benchmark informs, the tests decide. `--quick` runs fewer rounds on smaller sizes, under a minute.
 * Run with --expose-gc (the npm script does), so rounds start on a clean heap.
 */
import { rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { BUILD_ENV, buildProduct } from './build.js';
import { runJsonScript } from './child.js';
import { CONFIGS, type Mode } from './config.js';
import { GROUP_NAMES, runGroup, type GroupName } from './groups.js';
import { median } from './ratio.js';
import { figure, formatTable, type Figure } from './report.js';

// Groups measured inside one process, where the compiled code of that process decides the figure.
const IN_PROCESS: readonly GroupName[] = ['throughput', 'push'];

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const mode: Mode = values.quick ? 'quick' : 'full';
const config = CONFIGS[mode];

/** The median process's figure for each row, with every process's value in the detail. */
function mergeProcesses(runs: Figure[][]): Figure[] {
  return runs[0]!.map((_, row) => {
    // JSON turns a failed measurement's NaN into null.
    const rows = runs.map((run) => ({ ...run[row]!, value: run[row]!.value ?? Number.NaN }));
    const middle = median(rows.map((r) => r.value));
    const chosen = rows.find((r) => r.value === middle) ?? rows[0]!;
    const perProcess = rows.map((r) => r.value.toFixed(3)).join(' ');
    return figure({ ...chosen, value: middle, detail: `per process: ${perProcess}; median: ${chosen.detail}` });
  });
}

async function measure(name: GroupName): Promise<Figure[]> {
  if (!IN_PROCESS.includes(name)) return runGroup(name, mode);
  const runs: Figure[][] = [];
  for (let i = 0; i < config.processes; i++) {
    runs.push(await runJsonScript<Figure[]>('./group-child.ts', [name, mode], ['--expose-gc']));
  }
  return mergeProcesses(runs);
}

// Before any figure module loads: bench/product.ts picks the build up when it is first imported.
const build = await buildProduct();
process.env[BUILD_ENV] = build.dir;

const figures: Figure[] = [];
try {
  for (const name of GROUP_NAMES) {
    const started = Date.now();
    process.stderr.write(`bench: ${name}...`);
    try {
      figures.push(...(await measure(name)));
    } catch (error) {
      // One broken group must not cost the figures of the others.
      figures.push(
        figure({ figure: name, baseline: '-', value: Number.NaN, unit: 'x', comparison: '<=', goal: 0, detail: String(error) }),
      );
    }
    process.stderr.write(` ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
} finally {
  await build.remove();
}

const machine = {
  cores: os.availableParallelism(),
  cpu: os.cpus()[0]?.model ?? 'unknown',
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
};
console.log(`\n${formatTable(figures)}\n`);
console.log(`${machine.cores} cores, ${machine.cpu}, Node ${machine.node}, ${mode} run of the package as built by tsup`);
console.log(`${figures.filter((row) => row.pass).length} of ${figures.length} goals met`);

// NaN (a failed measurement) is written as null.
const results = { date: new Date().toISOString(), mode, measured: 'src/ built with tsup', machine, figures };
// Written aside and renamed: an interrupted run must not leave half a file for tools to read.
const tmp = new URL('./results.json.tmp', import.meta.url);
await writeFile(tmp, `${JSON.stringify(results, null, 2)}\n`);
await rename(tmp, new URL('./results.json', import.meta.url));
