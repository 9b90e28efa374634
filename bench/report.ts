/** One row of the table: a figure, the goal it is held to, and whether it met it. */
export interface Figure {
  figure: string;
  baseline: string;
  /** A ratio ('x'), a size in bytes ('B'), a duration ('ms') or a count; NaN when the measurement itself failed. */
  value: number;
  unit: 'x' | 'B' | 'ms' | '/min' | 'requests';
  comparison: '<=' | '<' | '>=';
  goal: number;
  pass: boolean;
  /** The raw numbers behind the figure, for a reader who doubts it. */
  detail: string;
}

export type FigureSpec = Omit<Figure, 'pass'>;

export function figure(spec: FigureSpec): Figure {
  const { value, comparison, goal } = spec;
  // NaN fails both comparisons, so a failed measurement never passes.
  const pass = comparison === '<=' ? value <= goal : comparison === '>=' ? value >= goal : value < goal;
  return { ...spec, pass };
}

function formatValue(value: number, unit: Figure['unit']): string {
  if (Number.isNaN(value)) return 'error';
  if (unit === 'x') return `${value.toFixed(3)}x`;
  return unit === 'B' ? `${value >= 0 ? '+' : ''}${Math.round(value)} B` : `${Math.round(value)} ${unit}`;
}

function formatGoal(row: Figure): string {
  return `${row.comparison} ${row.unit === 'x' ? `${row.goal}x` : `${row.goal} ${row.unit}`}`;
}

/** A plain-text table: it ends up in CI logs and issue comments, where box-drawing characters break. */
export function formatTable(rows: readonly Figure[]): string {
  const header = ['figure', 'baseline', 'value', 'goal', 'result'];
  const cells = rows.map((row, index) => [
    `[${index + 1}] ${row.figure}`,
    row.baseline,
    formatValue(row.value, row.unit),
    formatGoal(row),
    row.pass ? 'pass' : 'FAIL',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column]!.length)));
  const line = (values: string[]): string => values.map((value, column) => value.padEnd(widths[column]!)).join(' | ');
  const details = rows.map((row, index) => `  [${index + 1}] ${row.detail}`);
  return [
    line(header),
    widths.map((width) => '-'.repeat(width)).join('-|-'),
    ...cells.map(line),
    '',
    ...details,
  ].join('\n');
}
