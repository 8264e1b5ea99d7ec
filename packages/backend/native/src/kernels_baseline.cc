// kd's kernels compiled for the x86-64 baseline (SSE2), for every 64-bit x86 CPU (see kernels.inc).
#include <omp.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kd.h"

namespace kd {
namespace baseline {
#include "kernels.inc"
}  // namespace baseline

extern const Kernels kKernelsBaseline = {baseline::bias_activation, baseline::pool,    baseline::max_pool_grad,
                                 baseline::avg_pool_grad,   baseline::adam,    baseline::sum_rows,
                                 baseline::binary,          baseline::unary};

}  // namespace kd
