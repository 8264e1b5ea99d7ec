// The native kernels of @kd/backend: what addon.cc binds to JavaScript.
#pragma once
#include <cstddef>
#include <string>

namespace kd {

/** Activations the fused kernels apply after the bias: the codes native-kernels.ts passes. */
enum Activation { kLinear = 0, kRelu = 1, kRelu6 = 2, kLeakyRelu = 3, kElu = 4, kSigmoid = 5 };

/** Instruction sets kd's own kernels are compiled for, best last. */
enum class Isa { kBaseline = 0, kAvx2 = 1, kAvx512 = 2 };

/** A 2-D window over NHWC images: pooling and convolution geometry (explicit padding). */
struct Window {
  long n, h, w, c;        // input
  long oh, ow;            // output
  long kh, kw;            // filter
  long sh, sw;            // strides
  long dh, dw;            // dilations (1 = none)
  long pt, pl, pb, pr;    // padding: top, left, bottom, right
};

/** kd's own element-wise, pooling and reduction kernels, one table per instruction set. */
struct Kernels {
  void (*bias_activation)(float* c, long rows, long cols, const float* bias, int activation, float alpha);
  void (*pool)(bool max, const float* x, float* y, const Window& w);
  void (*max_pool_grad)(const float* dy, const float* x, float* dx, const Window& w);
  void (*avg_pool_grad)(const float* dy, float* dx, const Window& w);
  void (*adam)(const float* param, const float* m, const float* v, const float* grad, float* new_param,
               float* new_m, float* new_v, long size, float beta1, float one_minus_beta1, float beta2,
               float one_minus_beta2, float one_minus_acc_beta1, float one_minus_acc_beta2, float epsilon,
               float neg_learning_rate);
  void (*sum_rows)(const float* x, float* out, long rows, long cols);
  void (*binary)(int op, const float* a, const float* b, float* out, long rows, long cols, bool b_is_row);
  void (*unary)(int op, const float* x, float* out, long size, float alpha);
};

/** Element-wise operations, by the codes native-elementwise.ts passes. */
enum Binary { kAdd = 0, kMultiply = 1 };
enum Unary { kReluOp = 0, kStep = 1 };

extern const Kernels kKernelsAvx512;
extern const Kernels kKernelsAvx2;
extern const Kernels kKernelsBaseline;

/** Chooses the instruction sets (the CPU's best, capped by KD_NATIVE_MAX_ISA); call once, first. */
void init_isa();
/** kd's kernels for the chosen instruction set. */
const Kernels& kernels();
/** The instruction set kd's kernels use: "avx512", "avx2" or "baseline". */
const char* kernel_isa_name();
/** The instruction set oneDNN dispatches to, in oneDNN's own words (e.g. "avx512_core_bf16"). */
std::string onednn_isa_name();

void set_threads(int threads);
int threads();

/** C = act(op(A) op(B) + bias) for `batch` products; batch strides of 0 broadcast an operand. */
void matmul(const float* a, const float* b, float* c, const float* bias, long batch, long m, long n, long k,
            bool transpose_a, bool transpose_b, long batch_stride_a, long batch_stride_b, int activation,
            float alpha);

/** Convolutions on NHWC images with [kh, kw, in, out] filters, through oneDNN. */
void conv2d_forward(const float* x, const float* filter, const float* bias, float* y, const Window& w, long out_channels,
                    int activation, float alpha);
void conv2d_backward_input(const float* dy, const float* filter, float* dx, const Window& w, long out_channels);
void conv2d_backward_filter(const float* x, const float* dy, float* dfilter, const Window& w, long out_channels);

}  // namespace kd
