// The cores' fp32 peak, measured: every thread runs independent chains of fused multiply-adds on
// the widest vectors the CPU has (AVX-512, else AVX2), enough chains to hide their latency.
// Built and run by bench/training.ts:  cc -O2 -pthread fma-peak.c -o fma-peak && ./fma-peak THREADS
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CHAINS 12  // independent FMA chains per thread: enough to cover the FMA latency
#define ITERATIONS 200000000L

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

// Twelve named accumulators, so that the compiler keeps each in a register.
#define FMA12(fma, v)                                                                              \
  v##0 = fma(v##0, m, a); v##1 = fma(v##1, m, a); v##2 = fma(v##2, m, a); v##3 = fma(v##3, m, a);  \
  v##4 = fma(v##4, m, a); v##5 = fma(v##5, m, a); v##6 = fma(v##6, m, a); v##7 = fma(v##7, m, a);  \
  v##8 = fma(v##8, m, a); v##9 = fma(v##9, m, a); v##10 = fma(v##10, m, a); v##11 = fma(v##11, m, a);

__attribute__((target("avx512f"))) static void* run512(void* out) {
  const __m512 m = _mm512_set1_ps(0.999999f), a = _mm512_set1_ps(1e-7f);
  // Distinct starting values, or the compiler merges the twelve identical chains into one.
  __m512 v0 = _mm512_set1_ps(0.f), v1 = _mm512_set1_ps(1.f), v2 = _mm512_set1_ps(2.f), v3 = _mm512_set1_ps(3.f),
         v4 = _mm512_set1_ps(4.f), v5 = _mm512_set1_ps(5.f), v6 = _mm512_set1_ps(6.f), v7 = _mm512_set1_ps(7.f),
         v8 = _mm512_set1_ps(8.f), v9 = _mm512_set1_ps(9.f), v10 = _mm512_set1_ps(10.f), v11 = _mm512_set1_ps(11.f);
  for (long i = 0; i < ITERATIONS / 16; i++) {
    FMA12(_mm512_fmadd_ps, v)
  }
  __m512 sum = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(v0, v1), _mm512_add_ps(v2, v3)),
                             _mm512_add_ps(_mm512_add_ps(v4, v5), _mm512_add_ps(v6, v7)));
  sum = _mm512_add_ps(sum, _mm512_add_ps(_mm512_add_ps(v8, v9), _mm512_add_ps(v10, v11)));
  *(float*)out = _mm512_reduce_add_ps(sum);
  return NULL;
}

__attribute__((target("avx2,fma"))) static void* run256(void* out) {
  const __m256 m = _mm256_set1_ps(0.999999f), a = _mm256_set1_ps(1e-7f);
  __m256 v0 = _mm256_set1_ps(0.f), v1 = _mm256_set1_ps(1.f), v2 = _mm256_set1_ps(2.f), v3 = _mm256_set1_ps(3.f),
         v4 = _mm256_set1_ps(4.f), v5 = _mm256_set1_ps(5.f), v6 = _mm256_set1_ps(6.f), v7 = _mm256_set1_ps(7.f),
         v8 = _mm256_set1_ps(8.f), v9 = _mm256_set1_ps(9.f), v10 = _mm256_set1_ps(10.f), v11 = _mm256_set1_ps(11.f);
  for (long i = 0; i < ITERATIONS / 8; i++) {
    FMA12(_mm256_fmadd_ps, v)
  }
  __m256 sum = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(v0, v1), _mm256_add_ps(v2, v3)),
                             _mm256_add_ps(_mm256_add_ps(v4, v5), _mm256_add_ps(v6, v7)));
  sum = _mm256_add_ps(sum, _mm256_add_ps(_mm256_add_ps(v8, v9), _mm256_add_ps(v10, v11)));
  float lanes[8];
  _mm256_storeu_ps(lanes, sum);
  *(float*)out = lanes[0] + lanes[1] + lanes[2] + lanes[3] + lanes[4] + lanes[5] + lanes[6] + lanes[7];
  return NULL;
}

/** GFLOP/s of `threads` threads running `run`. */
static double measure(void* (*run)(void*), int threads, float* sink) {
  pthread_t ids[64];
  double start = now();
  for (int t = 0; t < threads; t++) pthread_create(&ids[t], NULL, run, &sink[t]);
  for (int t = 0; t < threads; t++) pthread_join(ids[t], NULL);
  return 2.0 * CHAINS * (double)ITERATIONS * threads / (now() - start) / 1e9;
}

int main(int argc, char** argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  if (threads < 1 || threads > 64) threads = 1;
  __builtin_cpu_init();
  float sink[64];
  // The widest vectors are not always the fastest (Zen 4 splits 512-bit FMAs in two): the peak
  // is the better of the two.
  double avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? measure(run256, threads, sink) : 0;
  double avx512 = __builtin_cpu_supports("avx512f") ? measure(run512, threads, sink) : 0;
  if (avx2 == 0 && avx512 == 0) {
    printf("{\"isa\":\"none\"}\n");
    return 0;
  }
  printf("{\"isa\":\"%s\",\"gflops\":%.1f,\"avx2\":%.1f,\"avx512\":%.1f,\"check\":%g}\n", avx512 > avx2 ? "avx512" : "avx2",
         avx512 > avx2 ? avx512 : avx2, avx2, avx512, sink[0]);
  return 0;
}
