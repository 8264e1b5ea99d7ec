// Child process of teacher-cache-shards.test.ts: builds shard argv[3] of argv[4] of the fixture's
// teacher cache into the folder argv[2], as one machine of several would.
import * as tf from '@tensorflow/tfjs-core';
// oxlint-disable-next-line import/no-unassigned-import -- registers the backend (or the gradients) with tfjs
import '@tensorflow/tfjs-backend-cpu';
import { buildTeacherCache } from '@kd/ensemble/node';
import { shardBatches, shardFixture } from './cache-shard-fixture';

const [dir, index, count] = process.argv.slice(2);
await tf.setBackend('cpu');
const { dataset, teacher } = shardFixture();
const info = await buildTeacherCache({ teacher, batches: shardBatches(dataset), path: dir!, dataset, shard: { index: Number(index), count: Number(count) } });
process.stdout.write(`${JSON.stringify({ size: info.size, pid: process.pid })}\n`);
