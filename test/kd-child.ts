// `kd <argv>` in a child process of its own, with its cells' `kd run` replaced by the script named
// in KD_FAKE_RUN (see fake-kd-run.ts): the shard and queue tests of @kd/cli run several of these
// at once, as several machines would, and kill some.
import { main } from '@kd/cli';

process.exitCode = await main(process.argv.slice(2), { selfCommand: [process.execPath, process.env.KD_FAKE_RUN!], cores: 2 });
