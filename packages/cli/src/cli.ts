#!/usr/bin/env node
import { main } from './main';

// The `kd` binary. Exit codes: 0 done, 1 the work failed, 2 usage error.
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`kd: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
