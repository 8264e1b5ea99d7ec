// Which library should @kd/backend's native kernels use for matrix products? Builds
// bench/gemm-libraries.c against each candidate Debian ships and runs them in turn, alternating
// over rounds, on THREADS threads (default 2), with oneDNN also capped to AVX2 (what an older
// x86-64 CPU gets). Prints GFLOP/s (best of 30 calls, median of rounds) and the load average.
//   apt-get install libdnnl-dev libopenblas-dev libblis-dev   (libblis-openmp-dev for BLIS on OpenMP)
//   node bench/gemm-libraries.mjs [rounds]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const rounds = Number(process.argv[2] ?? 3);
const threads = String(process.env.THREADS ?? 2);
const source = new URL('gemm-libraries.c', import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), 'kd-gemm-'));
const lib = '/usr/lib/x86_64-linux-gnu';
const candidates = [
  {
    name: 'oneDNN 2.6 (dnnl_sgemm)',
    needs: '/usr/include/oneapi/dnnl/dnnl.h',
    flags: ['-DUSE_DNNL', '-ldnnl'],
    env: { OMP_NUM_THREADS: threads },
  },
  {
    name: 'oneDNN 2.6 capped to AVX2',
    needs: '/usr/include/oneapi/dnnl/dnnl.h',
    flags: ['-DUSE_DNNL', '-ldnnl'],
    env: { OMP_NUM_THREADS: threads, ONEDNN_MAX_CPU_ISA: 'AVX2' },
  },
  {
    name: 'OpenBLAS 0.3 (pthread)',
    needs: `${lib}/openblas-pthread/libopenblas.so`,
    flags: ['-I/usr/include/x86_64-linux-gnu/openblas-pthread', `-L${lib}/openblas-pthread`, '-lopenblas', `-Wl,-rpath,${lib}/openblas-pthread`],
    env: { OPENBLAS_NUM_THREADS: threads },
  },
  {
    name: 'BLIS 0.9 (OpenMP)',
    needs: `${lib}/blis-openmp/libblis.a`,
    flags: ['-I/usr/include/x86_64-linux-gnu/blis-openmp', `${lib}/blis-openmp/libblis.a`, '-fopenmp', '-lm', '-lpthread'],
    env: { BLIS_NUM_THREADS: threads, OMP_NUM_THREADS: threads },
  },
].filter((c) => existsSync(c.needs));

for (const [i, c] of candidates.entries()) {
  c.binary = join(out, `gemm-${i}`);
  execFileSync('cc', ['-O2', source, '-o', c.binary, ...c.flags]);
}
console.log(`${cpus()[0]?.model}, ${threads} threads; load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const results = candidates.map(() => []);
for (let r = 0; r < rounds; r++) {
  candidates.forEach((c, i) => {
    results[i].push(JSON.parse(execFileSync(c.binary, { encoding: 'utf8', env: { ...process.env, ...c.env } })));
  });
  console.log(`round ${r + 1}: load average ${loadavg()[0].toFixed(2)}`);
}
const median = (xs) => xs.toSorted((a, b) => a - b)[Math.floor(xs.length / 2)];
const shapes = Object.keys(results[0][0]);
console.log(`\n| M x N x K | ${candidates.map((c) => c.name).join(' | ')} |\n|---|${candidates.map(() => '---').join('|')}|`);
for (const shape of shapes) {
  console.log(`| ${shape} | ${results.map((runs) => median(runs.map((run) => run[shape])).toFixed(0)).join(' | ')} |`);
}
console.log(`load average at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
