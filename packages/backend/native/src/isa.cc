#include <oneapi/dnnl/dnnl.h>
#include <omp.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "kd.h"

namespace kd {
namespace {

Isa chosen = Isa::kBaseline;

Isa best_supported() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")) {
    return Isa::kAvx512;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::kAvx2;
  return Isa::kBaseline;
}

}  // namespace

void init_isa() {
  Isa isa = best_supported();
  const char* cap = std::getenv("KD_NATIVE_MAX_ISA");
  if (cap != nullptr && *cap != '\0') {
    Isa limit;
    if (std::strcmp(cap, "avx512") == 0) limit = Isa::kAvx512;
    else if (std::strcmp(cap, "avx2") == 0) limit = Isa::kAvx2;
    else if (std::strcmp(cap, "baseline") == 0) limit = Isa::kBaseline;
    else throw std::invalid_argument(std::string("KD_NATIVE_MAX_ISA must be avx512, avx2 or baseline, got '") + cap + "'");
    if (limit < isa) isa = limit;
    // oneDNN's own cap, set before its first primitive. Below AVX2 it keeps SSE4.1 code, the
    // oldest it generates; on a CPU without SSE4.1 it runs its reference kernels by itself.
    dnnl_cpu_isa_t onednn = isa == Isa::kAvx512 ? dnnl_cpu_isa_all
                            : isa == Isa::kAvx2  ? dnnl_cpu_isa_avx2
                                                 : dnnl_cpu_isa_sse41;
    if (dnnl_set_max_cpu_isa(onednn) != dnnl_success) {
      throw std::runtime_error("oneDNN refused KD_NATIVE_MAX_ISA: it had already run a kernel");
    }
  }
  chosen = isa;
}

const Kernels& kernels() {
  switch (chosen) {
    case Isa::kAvx512: return kKernelsAvx512;
    case Isa::kAvx2: return kKernelsAvx2;
    default: return kKernelsBaseline;
  }
}

const char* kernel_isa_name() {
  switch (chosen) {
    case Isa::kAvx512: return "avx512";
    case Isa::kAvx2: return "avx2";
    default: return "baseline";
  }
}

std::string onednn_isa_name() {
  switch (dnnl_get_effective_cpu_isa()) {
    case dnnl_cpu_isa_sse41: return "sse41";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx512_mic: return "avx512_mic";
    case dnnl_cpu_isa_avx512_mic_4ops: return "avx512_mic_4ops";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    default: return "reference";
  }
}

void set_threads(int threads) { omp_set_num_threads(threads); }

int threads() { return omp_get_max_threads(); }

}  // namespace kd
