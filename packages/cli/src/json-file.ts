import { readFile } from 'node:fs/promises';

/**
 * Reads a JSON-lines file: one JSON value per non-empty line. A last line cut short (a run killed
 * while appending it) is skipped, and `warn` is told which; a broken line before it is an Error
 * naming the file and the line.
 */
export async function readJsonLines(path: string, what: string, warn: (message: string) => void = () => {}): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new Error(`cannot read ${what} ${path}: ${reason}`, { cause: error });
  }
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const values: unknown[] = [];
  for (const [i, line] of lines.entries()) {
    try {
      values.push(JSON.parse(line));
    } catch (error) {
      // A run killed while appending leaves its last line cut short; every earlier line is whole.
      if (i === lines.length - 1 && !text.endsWith('\n')) {
        warn(`${what} ${path} line ${i + 1} is cut short (a run killed while writing it?): skipped; resuming the run rewrites it`);
        break;
      }
      throw new Error(`${what} ${path} line ${i + 1} is not valid JSON: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  return values;
}
