// Matrix products through oneDNN's sgemm, which generates AVX-512 / AVX2 / SSE4.1 code for the
// CPU it runs on and threads with OpenMP; bias and activation follow in one pass over C.
#include <oneapi/dnnl/dnnl.h>

#include <cstring>
#include <stdexcept>
#include <string>

#include "kd.h"

namespace kd {

void matmul(const float* a, const float* b, float* c, const float* bias, long batch, long m, long n, long k,
            bool transpose_a, bool transpose_b, long batch_stride_a, long batch_stride_b, int activation,
            float alpha) {
  if (m == 0 || n == 0) return;
  for (long i = 0; i < batch; i++) {
    float* out = c + i * m * n;
    if (k == 0) {
      std::memset(out, 0, sizeof(float) * m * n);
      continue;
    }
    const dnnl_status_t status =
        dnnl_sgemm(transpose_a ? 'T' : 'N', transpose_b ? 'T' : 'N', m, n, k, 1.f, a + i * batch_stride_a,
                   transpose_a ? m : k, b + i * batch_stride_b, transpose_b ? k : n, 0.f, out, n);
    if (status != dnnl_success) throw std::runtime_error("oneDNN sgemm failed with status " + std::to_string(status));
  }
  if (bias != nullptr || activation != kLinear) kernels().bias_activation(c, batch * m, n, bias, activation, alpha);
}

}  // namespace kd
