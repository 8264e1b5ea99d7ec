/** One hyperparameter a sweep varies, with the values it takes. */
export interface SweepAxis {
  /** A name safe in folder names: a letter, then letters, digits or dashes (`soft-weight`). */
  name: string;
  values: readonly number[];
}

/** One point of the grid: a value for every axis, and the folder name that identifies it. */
export interface SweepCell {
  /** Stable across runs, so a resumed sweep finds the cells it already finished. */
  id: string;
  params: Readonly<Record<string, number>>;
}

/**
 * Every combination of the axes' values (the cartesian product), the first axis varying slowest.
 * A cell's id names each axis and its value (`temperature-4_soft-weight-0.9`).
 */
export function expandGrid(axes: readonly SweepAxis[]): SweepCell[] {
  if (axes.length === 0) {
    throw new Error("Argument 'axes' passed to 'expandGrid' must name at least one axis, got none");
  }
  const names = new Set<string>();
  for (const axis of axes) {
    if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(axis.name)) {
      throw new Error(
        `Argument 'axes' passed to 'expandGrid' must have names of letters, digits and dashes, got ${JSON.stringify(axis.name)}`,
      );
    }
    if (names.has(axis.name)) {
      throw new Error(`Argument 'axes' passed to 'expandGrid' names axis '${axis.name}' twice`);
    }
    names.add(axis.name);
    if (axis.values.length === 0 || !axis.values.every(Number.isFinite)) {
      throw new Error(
        `Argument 'axes' passed to 'expandGrid' must give axis '${axis.name}' at least one finite value, got [${axis.values.join(', ')}]`,
      );
    }
  }
  let cells: Array<Record<string, number>> = [{}];
  for (const axis of axes) {
    cells = cells.flatMap((params) => axis.values.map((value) => ({ ...params, [axis.name]: value })));
  }
  return cells.map((params) => ({
    id: axes.map((axis) => `${axis.name}-${params[axis.name]}`).join('_'),
    params,
  }));
}
