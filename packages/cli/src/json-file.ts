import { readFile } from 'node:fs/promises';

/**
 * Reads and parses a JSON file, with errors that say which file and what went wrong in one line
 * (`cannot read experiment config runs/x.json: no such file`).
 *
 * @param what what the file is, for the message: 'experiment config'.
 */
export async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message;
    throw new Error(`cannot read ${what} ${path}: ${reason}`, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${what} ${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** Reads a JSON-lines file: one JSON value per non-empty line; a torn last line is ignored. */
export async function readJsonLines(path: string, what: string): Promise<unknown[]> {
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
      if (i === lines.length - 1 && !text.endsWith('\n')) break;
      throw new Error(`${what} ${path} line ${i + 1} is not valid JSON: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  return values;
}
