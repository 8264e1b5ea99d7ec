import { readFile } from 'node:fs/promises';

/**
 * Reads and parses a JSON file, with errors that say which file it is, what it holds and what went
 * wrong, in one line (`cannot read experiment config runs/x.json: no such file`, `checkpoint
 * pointer runs/c/latest.json is not valid JSON: Unexpected end of JSON input`).
 *
 * @param what what the file is, for the message: `'experiment config'`.
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
