// The Node-API face of kd's native kernels. Every kernel works in place on the WebAssembly heap
// of tfjs's wasm backend: JavaScript passes a typed array over that heap and byte offsets into it,
// and the kernel reads its inputs and writes its outputs there, with no copy. Each offset is
// checked against the heap's size before any kernel runs.
#include <node_api.h>
#include <oneapi/dnnl/dnnl.h>

#include <signal.h>

#include <cstdint>
#include <exception>
#include <stdexcept>
#include <string>

#include "kd.h"

namespace {

constexpr size_t kMaxArgs = 32;

class Args {
 public:
  Args(napi_env env, napi_callback_info info, const char* name, size_t expected) : env_(env), name_(name) {
    size_t argc = kMaxArgs;
    napi_get_cb_info(env, info, &argc, argv_, nullptr, nullptr);
    if (argc != expected) fail("expected " + std::to_string(expected) + " arguments, got " + std::to_string(argc));
  }

  /** Argument i as a typed array over the WebAssembly heap. */
  void heap(size_t i) {
    napi_typedarray_type type;
    size_t length;
    void* data;
    napi_value buffer;
    size_t offset;
    if (napi_get_typedarray_info(env_, argv_[i], &type, &length, &data, &buffer, &offset) != napi_ok) {
      fail("argument " + std::to_string(i) + " must be a typed array over the WebAssembly heap");
    }
    size_t bytes_per_element = type == napi_float32_array || type == napi_int32_array || type == napi_uint32_array ? 4
                               : type == napi_float64_array                                                      ? 8
                               : type == napi_int16_array || type == napi_uint16_array                           ? 2
                                                                                                                 : 1;
    heap_ = static_cast<uint8_t*>(data) - offset;
    heap_bytes_ = offset + length * bytes_per_element;
  }

  long integer(size_t i) {
    int64_t value;
    if (napi_get_value_int64(env_, argv_[i], &value) != napi_ok) fail("argument " + std::to_string(i) + " must be a number");
    return static_cast<long>(value);
  }

  double number(size_t i) {
    double value;
    if (napi_get_value_double(env_, argv_[i], &value) != napi_ok) fail("argument " + std::to_string(i) + " must be a number");
    return value;
  }

  float real(size_t i) { return static_cast<float>(number(i)); }

  /** The float32 array of `count` elements at byte offset argument i; a negative offset is none. */
  float* floats(size_t i, long count, bool optional = false) {
    const long offset = integer(i);
    if (offset < 0 && optional) return nullptr;
    if (offset < 0 || offset % 4 != 0 || count < 0 ||
        static_cast<uint64_t>(offset) + 4 * static_cast<uint64_t>(count) > heap_bytes_) {
      fail("argument " + std::to_string(i) + ": " + std::to_string(count) + " floats at byte offset " +
           std::to_string(offset) + " do not fit the " + std::to_string(heap_bytes_) + "-byte heap");
    }
    return reinterpret_cast<float*>(heap_ + offset);
  }

  kd::Window window(size_t first) {
    kd::Window w;
    long* fields[] = {&w.n, &w.h, &w.w, &w.c, &w.oh, &w.ow, &w.kh, &w.kw, &w.sh, &w.sw, &w.dh, &w.dw, &w.pt, &w.pl, &w.pb, &w.pr};
    for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++) {
      *fields[k] = integer(first + k);
      if (*fields[k] < 0 || (k >= 8 && k < 12 && *fields[k] < 1)) fail("bad window field " + std::to_string(k));
    }
    return w;
  }

  [[noreturn]] void fail(const std::string& message) { throw std::invalid_argument(std::string(name_) + ": " + message); }

 private:
  napi_env env_;
  const char* name_;
  napi_value argv_[kMaxArgs];
  uint8_t* heap_ = nullptr;
  uint64_t heap_bytes_ = 0;
};

// Signals wait until a kernel returns. oneDNN's generated GEMM code does not leave the stack in a
// state a signal handler can be pushed onto: a signal taken inside it (V8's profiler sends SIGPROF
// to this thread a thousand times a second under --cpu-prof; Ctrl-C sends SIGINT) corrupts the C
// heap. Blocked, a signal is delivered when the kernel is done, a few milliseconds later. Threads
// the OpenMP pool starts inside a kernel inherit the mask, so signals never go to them.
class SignalsDeferred {
 public:
  SignalsDeferred() {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous_);
  }
  ~SignalsDeferred() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

 private:
  sigset_t previous_;
};

template <typename Body>
napi_value guarded(napi_env env, Body body) {
  try {
    SignalsDeferred deferred;
    return body();
  } catch (const std::exception& error) {
    napi_throw_error(env, "KD_NATIVE", error.what());
  } catch (...) {
    napi_throw_error(env, "KD_NATIVE", "unknown native error");
  }
  return nullptr;
}

napi_value undefined(napi_env env) {
  napi_value value;
  napi_get_undefined(env, &value);
  return value;
}

// info() -> { library, version, isa, kernelIsa, threads }
napi_value Info(napi_env env, napi_callback_info) {
  return guarded(env, [&] {
    napi_value result, value;
    napi_create_object(env, &result);
    auto put_string = [&](const char* key, const std::string& text) {
      napi_create_string_utf8(env, text.c_str(), text.size(), &value);
      napi_set_named_property(env, result, key, value);
    };
    put_string("library", "oneDNN");
    const dnnl_version_t* version = dnnl_version();
    put_string("version", std::to_string(version->major) + "." + std::to_string(version->minor) + "." +
                              std::to_string(version->patch));
    put_string("isa", kd::onednn_isa_name());
    put_string("kernelIsa", kd::kernel_isa_name());
    napi_create_int32(env, kd::threads(), &value);
    napi_set_named_property(env, result, "threads", value);
    return result;
  });
}

// setThreads(n)
napi_value SetThreads(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info, "setThreads", 1);
    const long threads = args.integer(0);
    if (threads < 1 || threads > 1024) args.fail("threads must be in [1, 1024]");
    kd::set_threads(static_cast<int>(threads));
    return undefined(env);
  });
}

// matmul(heap, a, b, c, bias, batch, m, n, k, transposeA, transposeB, batchStrideA, batchStrideB, activation, alpha)
napi_value Matmul(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info, "matmul", 15);
    args.heap(0);
    const long batch = args.integer(5), m = args.integer(6), n = args.integer(7), k = args.integer(8);
    const bool ta = args.integer(9) != 0, tb = args.integer(10) != 0;
    const long stride_a = args.integer(11), stride_b = args.integer(12);
    if (batch < 1 || m < 0 || n < 0 || k < 0 || (stride_a != 0 && stride_a != m * k) || (stride_b != 0 && stride_b != k * n)) {
      args.fail("bad matrix sizes");
    }
    const float* a = args.floats(1, (stride_a ? batch : 1) * m * k);
    const float* b = args.floats(2, (stride_b ? batch : 1) * k * n);
    float* c = args.floats(3, batch * m * n);
    const float* bias = args.floats(4, n, true);
    kd::matmul(a, b, c, bias, batch, m, n, k, ta, tb, stride_a, stride_b, static_cast<int>(args.integer(13)), args.real(14));
    return undefined(env);
  });
}

// conv2d(heap, direction, x, filter, y, bias, outChannels, activation, alpha, ...window(16))
// direction 0: y = conv(x, filter) + bias, activated; 1: x = input gradient of dy = y;
// 2: filter = filter gradient of x and dy = y.
napi_value Conv2d(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info, "conv2d", 25);
    args.heap(0);
    const long direction = args.integer(1), oc = args.integer(6);
    const kd::Window w = args.window(9);
    if (oc < 1 || direction < 0 || direction > 2) args.fail("bad direction or channel count");
    float* x = args.floats(2, w.n * w.h * w.w * w.c);
    float* filter = args.floats(3, w.kh * w.kw * w.c * oc);
    float* y = args.floats(4, w.n * w.oh * w.ow * oc);
    if (direction == 0) {
      const float* bias = args.floats(5, oc, true);
      kd::conv2d_forward(x, filter, bias, y, w, oc, static_cast<int>(args.integer(7)), args.real(8));
    } else if (direction == 1) {
      kd::conv2d_backward_input(y, filter, x, w, oc);
    } else {
      kd::conv2d_backward_filter(x, y, filter, w, oc);
    }
    return undefined(env);
  });
}

// pool(heap, max, x, y, ...window(16))
napi_value Pool(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info, "pool", 20);
    args.heap(0);
    const kd::Window w = args.window(4);
    const float* x = args.floats(2, w.n * w.h * w.w * w.c);
    float* y = args.floats(3, w.n * w.oh * w.ow * w.c);
    kd::kernels().pool(args.integer(1) != 0, x, y, w);
    return undefined(env);
  });
}

// poolGrad(heap, max, dy, x, dx, ...window(16)); x is read only for max pooling.
napi_value PoolGrad(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info, "poolGrad", 21);
    args.heap(0);
    const kd::Window w = args.window(5);
    const bool max = args.integer(1) != 0;
    const float* dy = args.floats(2, w.n * w.oh * w.ow * w.c);
    float* dx = args.floats(4, w.n * w.h * w.w * w.c);
    if (max) kd::kernels().max_pool_grad(dy, args.floats(3, w.n * w.h * w.w * w.c), dx, w);
    else kd::kernels().avg_pool_grad(dy, dx, w);
    return undefined(env);
  });
}

// adam(heap, param, m, v, grad, newParam, newM, newV, accBeta1, accBeta2, size, beta1, beta2, epsilon, learningRate)
napi_value Adam(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info, "adam", 15);
    args.heap(0);
    const long size = args.integer(10);
    const float* p = args.floats(1, size);
    const float* m = args.floats(2, size);
    const float* v = args.floats(3, size);
    const float* g = args.floats(4, size);
    float* np = args.floats(5, size);
    float* nm = args.floats(6, size);
    float* nv = args.floats(7, size);
    const float acc1 = *args.floats(8, 1), acc2 = *args.floats(9, 1);
    // The constants tfjs's Adam makes: each computed in double, then rounded to float32 once.
    const double beta1 = args.number(11), beta2 = args.number(12), epsilon = args.number(13), rate = args.number(14);
    kd::kernels().adam(p, m, v, g, np, nm, nv, size, static_cast<float>(beta1), static_cast<float>(1.0 - beta1),
                       static_cast<float>(beta2), static_cast<float>(1.0 - beta2), 1.f - acc1, 1.f - acc2,
                       static_cast<float>(epsilon), static_cast<float>(-rate));
    return undefined(env);
  });
}

// sumRows(heap, x, out, rows, cols): out[j] = sum over rows of x[row][j]
napi_value SumRows(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info, "sumRows", 5);
    args.heap(0);
    const long rows = args.integer(3), cols = args.integer(4);
    const float* x = args.floats(1, rows * cols);
    float* out = args.floats(2, cols);
    kd::kernels().sum_rows(x, out, rows, cols);
    return undefined(env);
  });
}

// binary(heap, op, a, b, out, rows, cols, bIsRow): out = a op b; b is [rows, cols] or one row [cols]
napi_value Binary(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info, "binary", 8);
    args.heap(0);
    const long op = args.integer(1), rows = args.integer(5), cols = args.integer(6);
    const bool row = args.integer(7) != 0;
    if (op != kd::kAdd && op != kd::kMultiply) args.fail("unknown operation");
    const float* a = args.floats(2, rows * cols);
    const float* b = args.floats(3, row ? cols : rows * cols);
    float* out = args.floats(4, rows * cols);
    kd::kernels().binary(static_cast<int>(op), a, b, out, rows, cols, row);
    return undefined(env);
  });
}

// unary(heap, op, x, out, size, alpha)
napi_value Unary(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args args(env, info, "unary", 6);
    args.heap(0);
    const long op = args.integer(1), size = args.integer(4);
    if (op != kd::kReluOp && op != kd::kStep) args.fail("unknown operation");
    const float* x = args.floats(2, size);
    float* out = args.floats(3, size);
    kd::kernels().unary(static_cast<int>(op), x, out, size, args.real(5));
    return undefined(env);
  });
}

napi_value Init(napi_env env, napi_value exports) {
  return guarded(env, [&] {
    kd::init_isa();
    const struct {
      const char* name;
      napi_callback callback;
    } functions[] = {{"info", Info},         {"setThreads", SetThreads}, {"matmul", Matmul}, {"conv2d", Conv2d},
                     {"pool", Pool},         {"poolGrad", PoolGrad},     {"adam", Adam},     {"sumRows", SumRows},
                     {"binary", Binary},     {"unary", Unary}};
    for (const auto& f : functions) {
      napi_value fn;
      napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.callback, nullptr, &fn);
      napi_set_named_property(env, exports, f.name, fn);
    }
    return exports;
  });
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
