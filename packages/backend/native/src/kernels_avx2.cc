// kd's kernels compiled for avx2 (see kernels.inc).
#include <omp.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kd.h"

#pragma GCC target("avx2,fma,bmi2")

namespace kd {
namespace avx2 {
#include "kernels.inc"
}  // namespace avx2

extern const Kernels kKernelsAvx2 = {avx2::bias_activation, avx2::pool,    avx2::max_pool_grad,
                                 avx2::avg_pool_grad,   avx2::adam,    avx2::sum_rows,
                                 avx2::binary,          avx2::unary};

}  // namespace kd
