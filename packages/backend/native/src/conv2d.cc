// 2-D convolutions and their two gradients through oneDNN, on tfjs's layouts: NHWC images and
// [kh, kw, in, out] filters, read and written where they are. oneDNN's fast kernels want filters
// in a blocked layout of their own, so filters are reordered on the way in (and filter gradients
// on the way out): they are small next to the images. Primitives are built once per shape and
// kept, as building one generates its machine code.
#include <oneapi/dnnl/dnnl.hpp>

#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "kd.h"

namespace kd {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
constexpr memory::data_type f32 = memory::data_type::f32;

dnnl::engine& cpu() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

dnnl::stream& cpu_stream() {
  static dnnl::stream stream(cpu());
  return stream;
}

enum Direction { kForward, kBackwardInput, kBackwardFilter };

struct Geometry {
  memory::desc src, dst, user_filter, any_filter, bias;
  memory::dims strides, dilates, pad_l, pad_r;
};

Geometry geometry(const Window& w, long oc, bool bias) {
  Geometry g;
  g.src = memory::desc({w.n, w.c, w.h, w.w}, f32, tag::nhwc);
  g.dst = memory::desc({w.n, oc, w.oh, w.ow}, f32, tag::nhwc);
  g.user_filter = memory::desc({oc, w.c, w.kh, w.kw}, f32, tag::hwio);
  g.any_filter = memory::desc({oc, w.c, w.kh, w.kw}, f32, tag::any);
  g.bias = bias ? memory::desc({oc}, f32, tag::x) : memory::desc();
  g.strides = {w.sh, w.sw};
  g.dilates = {w.dh - 1, w.dw - 1};
  g.pad_l = {w.pt, w.pl};
  g.pad_r = {w.pb, w.pr};
  return g;
}

dnnl::convolution_forward::primitive_desc forward_desc(const Geometry& g, int activation, float alpha) {
  dnnl::post_ops ops;
  switch (activation) {
    case kRelu: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f); break;
    case kRelu6: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_clip, 0.f, 6.f); break;
    case kLeakyRelu: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, alpha, 0.f); break;
    case kElu: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_elu, 1.f, 0.f); break;
    case kSigmoid: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_logistic, 0.f, 0.f); break;
    default: break;
  }
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, g.src,
                                       g.any_filter, g.bias, g.dst, g.strides, g.dilates, g.pad_l, g.pad_r);
  return dnnl::convolution_forward::primitive_desc(desc, attr, cpu());
}

// One shape's primitive, with its filter reorder and the blocked filter it works on.
struct Entry {
  dnnl::primitive compute;
  memory::desc src, dst, user_filter, bias;
  memory blocked_filter;             // empty when the primitive takes tfjs's layout as it is
  dnnl::reorder filter_reorder;       // user -> blocked (forward, input gradient); blocked -> user (filter gradient)
};

std::unique_ptr<Entry> build(Direction direction, const Window& w, long oc, bool bias, int activation, float alpha) {
  const Geometry g = geometry(w, oc, bias);
  auto entry = std::make_unique<Entry>();
  entry->src = g.src;
  entry->dst = g.dst;
  entry->user_filter = g.user_filter;
  entry->bias = g.bias;
  memory::desc filter;
  if (direction == kForward) {
    auto pd = forward_desc(g, activation, alpha);
    entry->compute = dnnl::convolution_forward(pd);
    filter = pd.weights_desc();
  } else if (direction == kBackwardInput) {
    auto hint = forward_desc(g, kLinear, 0.f);
    dnnl::convolution_backward_data::desc desc(dnnl::algorithm::convolution_direct, g.src, g.any_filter, g.dst,
                                               g.strides, g.dilates, g.pad_l, g.pad_r);
    dnnl::convolution_backward_data::primitive_desc pd(desc, cpu(), hint);
    entry->compute = dnnl::convolution_backward_data(pd);
    filter = pd.weights_desc();
  } else {
    auto hint = forward_desc(g, kLinear, 0.f);
    dnnl::convolution_backward_weights::desc desc(dnnl::algorithm::convolution_direct, g.src, g.any_filter,
                                                  memory::desc(), g.dst, g.strides, g.dilates, g.pad_l, g.pad_r);
    dnnl::convolution_backward_weights::primitive_desc pd(desc, cpu(), hint);
    entry->compute = dnnl::convolution_backward_weights(pd);
    filter = pd.diff_weights_desc();
  }
  if (filter != g.user_filter) {
    entry->blocked_filter = memory(filter, cpu());
    entry->filter_reorder = direction == kBackwardFilter ? dnnl::reorder(dnnl::reorder::primitive_desc(
                                                               cpu(), filter, cpu(), g.user_filter))
                                                         : dnnl::reorder(dnnl::reorder::primitive_desc(
                                                               cpu(), g.user_filter, cpu(), filter));
  }
  return entry;
}

std::mutex cache_mutex;
std::unordered_map<std::string, std::unique_ptr<Entry>> cache;
// A model uses a few shapes (a last, smaller batch adds one); a program that keeps changing them
// starts over rather than keeping every primitive it ever built.
constexpr size_t kCacheLimit = 256;

// Callers hold cache_mutex while they use the entry (its blocked filter is scratch space).
Entry& entry_for(Direction direction, const Window& w, long oc, bool bias, int activation, float alpha) {
  const long key_values[] = {direction, w.n,  w.h,  w.w,  w.c,  w.oh, w.ow, w.kh, w.kw, w.sh, w.sw,
                             w.dh,      w.dw, w.pt, w.pl, w.pb, w.pr, oc,   bias, activation};
  std::string key(reinterpret_cast<const char*>(key_values), sizeof(key_values));
  key.append(reinterpret_cast<const char*>(&alpha), sizeof(alpha));
  auto found = cache.find(key);
  if (found != cache.end()) return *found->second;
  if (cache.size() >= kCacheLimit) cache.clear();
  return *cache.emplace(key, build(direction, w, oc, bias, activation, alpha)).first->second;
}

memory wrap(const memory::desc& desc, const void* data) { return memory(desc, cpu(), const_cast<void*>(data)); }

}  // namespace

void conv2d_forward(const float* x, const float* filter, const float* bias, float* y, const Window& w, long oc,
                    int activation, float alpha) {
  std::lock_guard<std::mutex> lock(cache_mutex);
  Entry& e = entry_for(kForward, w, oc, bias != nullptr, activation, alpha);
  memory user_filter = wrap(e.user_filter, filter);
  memory weights = user_filter;
  if (e.blocked_filter) {
    e.filter_reorder.execute(cpu_stream(), user_filter, e.blocked_filter);
    weights = e.blocked_filter;
  }
  std::unordered_map<int, memory> args = {
      {DNNL_ARG_SRC, wrap(e.src, x)}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, wrap(e.dst, y)}};
  if (bias != nullptr) args.emplace(DNNL_ARG_BIAS, wrap(e.bias, bias));
  e.compute.execute(cpu_stream(), args);
  cpu_stream().wait();
}

void conv2d_backward_input(const float* dy, const float* filter, float* dx, const Window& w, long oc) {
  std::lock_guard<std::mutex> lock(cache_mutex);
  Entry& e = entry_for(kBackwardInput, w, oc, false, kLinear, 0.f);
  memory user_filter = wrap(e.user_filter, filter);
  memory weights = user_filter;
  if (e.blocked_filter) {
    e.filter_reorder.execute(cpu_stream(), user_filter, e.blocked_filter);
    weights = e.blocked_filter;
  }
  e.compute.execute(cpu_stream(), {{DNNL_ARG_DIFF_DST, wrap(e.dst, dy)},
                                   {DNNL_ARG_WEIGHTS, weights},
                                   {DNNL_ARG_DIFF_SRC, wrap(e.src, dx)}});
  cpu_stream().wait();
}

void conv2d_backward_filter(const float* x, const float* dy, float* dfilter, const Window& w, long oc) {
  std::lock_guard<std::mutex> lock(cache_mutex);
  Entry& e = entry_for(kBackwardFilter, w, oc, false, kLinear, 0.f);
  memory user_filter = wrap(e.user_filter, dfilter);
  e.compute.execute(cpu_stream(), {{DNNL_ARG_SRC, wrap(e.src, x)},
                                   {DNNL_ARG_DIFF_DST, wrap(e.dst, dy)},
                                   {DNNL_ARG_DIFF_WEIGHTS, e.blocked_filter ? e.blocked_filter : user_filter}});
  if (e.blocked_filter) e.filter_reorder.execute(cpu_stream(), e.blocked_filter, user_filter);
  cpu_stream().wait();
}

}  // namespace kd
