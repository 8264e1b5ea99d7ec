// Row-major sgemm on the shapes of the paper's dense layers (forward, input and weight
// gradients) and of the CNN's convolutions as matrix products, for each candidate library of
// @kd/backend's native kernels. Built three times by bench/gemm-libraries.mjs: against oneDNN
// (-DUSE_DNNL), OpenBLAS and BLIS (both through CBLAS). Prints one JSON line of GFLOP/s.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#ifdef USE_DNNL
#include <oneapi/dnnl/dnnl.h>
#else
#include <cblas.h>
#endif

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

// M, N, K, transpose A, transpose B
static const int shapes[][5] = {
    {128, 800, 784, 0, 0},   {128, 784, 800, 0, 1},  {784, 800, 128, 1, 0},   {128, 1200, 1200, 0, 0},
    {128, 1200, 1200, 0, 1}, {1200, 1200, 128, 1, 0}, {25088, 64, 288, 0, 0}, {288, 64, 25088, 1, 0},
};

int main(void) {
  const int count = sizeof(shapes) / sizeof(shapes[0]);
  printf("{");
  for (int s = 0; s < count; s++) {
    const int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2], ta = shapes[s][3], tb = shapes[s][4];
    float* a = malloc(sizeof(float) * m * k);
    float* b = malloc(sizeof(float) * k * n);
    float* c = malloc(sizeof(float) * m * n);
    for (long i = 0; i < (long)m * k; i++) a[i] = (float)(i % 7) * 0.1f;
    for (long i = 0; i < (long)k * n; i++) b[i] = (float)(i % 5) * 0.1f;
    double best = 1e9;
    for (int r = 0; r < 30; r++) {
      double t = now();
#ifdef USE_DNNL
      dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, 1.f, a, ta ? m : k, b, tb ? k : n, 0.f, c, n);
#else
      cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, 1.f, a,
                  ta ? m : k, b, tb ? k : n, 0.f, c, n);
#endif
      t = now() - t;
      if (t < best) best = t;
    }
    printf("%s\"%dx%dx%d%s%s\":%.1f", s ? "," : "", m, n, k, ta ? " A^T" : "", tb ? " B^T" : "", 2.0 * m * n * k / best / 1e9);
    free(a);
    free(b);
    free(c);
  }
  printf("}\n");
  return 0;
}
