// kd's kernels compiled for avx512 (see kernels.inc).
#include <omp.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kd.h"

#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,bmi2")

namespace kd {
namespace avx512 {
#include "kernels.inc"
}  // namespace avx512

extern const Kernels kKernelsAvx512 = {avx512::bias_activation, avx512::pool,    avx512::max_pool_grad,
                                 avx512::avg_pool_grad,   avx512::adam,    avx512::sum_rows,
                                 avx512::binary,          avx512::unary};

}  // namespace kd
