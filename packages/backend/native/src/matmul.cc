// Matrix products through oneDNN's sgemm, which generates AVX-512 / AVX2 / SSE4.1 code for the
// CPU it runs on and threads with OpenMP; bias and activation follow in one pass over C.
#include <oneapi/dnnl/dnnl.h>
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "kd.h"

namespace kd {

namespace {

// Columns of C per block when kd splits C = A B^T among threads itself (below).
constexpr long kMinBlockColumns = 256;

void check(dnnl_status_t status) {
  if (status != dnnl_success) throw std::runtime_error("oneDNN sgemm failed with status " + std::to_string(status));
}

// C = A B^T on one thread per block of columns. Threaded by oneDNN, this product (a dense layer's
// input gradient) splits its sums over k among the threads, so its bits would depend on the thread
// count; one thread's sgemm over a block of at least kMinBlockColumns columns gives the bits of one
// thread's whole product on the shapes measured (bench/thread-determinism.ts), so kd's results do
// not depend on the thread count. Narrower products run whole on one thread.
void product_transposed_b(const float* a, const float* b, float* c, long m, long n, long k, bool transpose_a) {
  // Columns [begin, end) of C: rows [begin, end) of B.
  const auto columns = [=](long begin, long end) {
    return dnnl_sgemm(transpose_a ? 'T' : 'N', 'T', m, end - begin, k, 1.f, a, transpose_a ? m : k, b + begin * k, k, 0.f,
                      c + begin, n);
  };
  const int blocks = static_cast<int>(std::min<long>(threads(), n / kMinBlockColumns));
  if (blocks <= 1) {
    const int pool = threads();
    omp_set_num_threads(1);
    const dnnl_status_t status = columns(0, n);
    omp_set_num_threads(pool);
    check(status);
    return;
  }
  dnnl_status_t failed = dnnl_success;
#pragma omp parallel for num_threads(blocks) schedule(static, 1)
  for (int block = 0; block < blocks; block++) {
    // Block edges on multiples of 16 columns (a cache line of floats).
    const long begin = n * block / blocks / 16 * 16;
    const long end = block == blocks - 1 ? n : n * (block + 1) / blocks / 16 * 16;
    const dnnl_status_t status = columns(begin, end);
    if (status != dnnl_success) {
#pragma omp critical
      failed = status;
    }
  }
  check(failed);
}

}  // namespace

void matmul(const float* a, const float* b, float* c, const float* bias, long batch, long m, long n, long k,
            bool transpose_a, bool transpose_b, long batch_stride_a, long batch_stride_b, int activation,
            float alpha) {
  if (m == 0 || n == 0) return;
  for (long i = 0; i < batch; i++) {
    float* out = c + i * m * n;
    if (k == 0) {
      std::memset(out, 0, sizeof(float) * m * n);
    } else if (transpose_b) {
      product_transposed_b(a + i * batch_stride_a, b + i * batch_stride_b, out, m, n, k, transpose_a);
    } else {
      check(dnnl_sgemm(transpose_a ? 'T' : 'N', 'N', m, n, k, 1.f, a + i * batch_stride_a, transpose_a ? m : k,
                       b + i * batch_stride_b, n, 0.f, out, n));
    }
  }
  if (bias != nullptr || activation != kLinear) kernels().bias_activation(c, batch * m, n, bias, activation, alpha);
}

}  // namespace kd
