#pragma once
// The numbers inside an ONNX TensorProto (an initializer or a Constant's
// value), read defensively: every dimension, the element count and the size of
// raw_data or the typed field are checked against each other before anything is
// allocated, so a hostile file can make xtnn allocate no more than it holds.
#include <onnx/onnx_pb.h>

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "../core/error.hpp"

namespace xtnn::detail::onnx_import {

// Real numbers with their shape; float and double tensors both read as double
// (exactly), then converted once to the model's type.
struct RealTensor {
    std::vector<std::size_t> shape;
    std::vector<double> values;
};

inline std::string tensor_label(const onnx::TensorProto& t) { return concat("tensor '", t.name(), "'"); }

// Dimensions and element count, each dimension ≥ 0 and the product bounded by
// the number of elements the tensor's bytes can hold (`available`).
inline std::vector<std::size_t> checked_shape(const onnx::TensorProto& t, std::size_t available) {
    std::vector<std::size_t> shape;
    std::size_t count = 1;
    for (const std::int64_t d : t.dims()) {
        if (d < 0) fail(tensor_label(t), ": negative dimension ", d);
        const auto extent = static_cast<std::size_t>(d);
        if (extent != 0 && count > available / extent) {
            fail(tensor_label(t), ": its dimensions hold more elements than its ", available, " values");
        }
        count *= extent;
        shape.push_back(extent);
    }
    return shape;
}

inline std::size_t element_count(const std::vector<std::size_t>& shape) {
    std::size_t count = 1;
    for (const std::size_t d : shape) count *= d;
    return count;
}

inline void require_inline_data(const onnx::TensorProto& t) {
    if (t.data_location() == onnx::TensorProto::EXTERNAL || t.external_data_size() > 0) {
        fail(tensor_label(t), ": weights in external data files are not supported");
    }
    if (t.has_segment()) fail(tensor_label(t), ": segmented tensors are not supported");
}

// `Field` is the typed repeated field (float_data, double_data, int64_data);
// `Raw` the little-endian type raw_data holds.
template <class Raw, class Field, class Out>
void read_elements(const onnx::TensorProto& t, const Field& field, std::vector<std::size_t>& shape,
                   std::vector<Out>& out) {
    static_assert(std::endian::native == std::endian::little, "ONNX raw_data is little-endian");
    const std::string& raw = t.raw_data();
    const bool from_raw = !raw.empty();
    const std::size_t available = from_raw ? raw.size() / sizeof(Raw) : static_cast<std::size_t>(field.size());
    shape = checked_shape(t, available);
    const std::size_t count = element_count(shape);
    if (from_raw && raw.size() != count * sizeof(Raw)) {
        fail(tensor_label(t), ": raw_data has ", raw.size(), " bytes, its shape needs ", count * sizeof(Raw));
    }
    if (!from_raw && available != count) {
        fail(tensor_label(t), ": holds ", available, " values, its shape needs ", count);
    }
    out.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
        Raw v;
        if (from_raw) std::memcpy(&v, raw.data() + i * sizeof(Raw), sizeof(Raw));
        else v = static_cast<Raw>(field.Get(static_cast<int>(i)));
        out[i] = static_cast<Out>(v);
    }
}

// A float or double tensor; every value finite.
inline RealTensor read_real_tensor(const onnx::TensorProto& t) {
    require_inline_data(t);
    RealTensor result;
    switch (t.data_type()) {
        case onnx::TensorProto::FLOAT: read_elements<float>(t, t.float_data(), result.shape, result.values); break;
        case onnx::TensorProto::DOUBLE: read_elements<double>(t, t.double_data(), result.shape, result.values); break;
        default: fail(tensor_label(t), ": data type ", t.data_type(), " is not supported (float or double only)");
    }
    for (std::size_t i = 0; i < result.values.size(); ++i) {
        if (!std::isfinite(result.values[i])) fail(tensor_label(t), ": value ", i, " is not finite");
    }
    return result;
}

// An int64 tensor (Reshape's shape, Pad's pads).
inline std::vector<std::int64_t> read_int64_tensor(const onnx::TensorProto& t) {
    require_inline_data(t);
    if (t.data_type() != onnx::TensorProto::INT64) {
        fail(tensor_label(t), ": expected int64 values, got data type ", t.data_type());
    }
    std::vector<std::size_t> shape;
    std::vector<std::int64_t> values;
    read_elements<std::int64_t>(t, t.int64_data(), shape, values);
    if (shape.size() > 1) fail(tensor_label(t), ": expected a list of integers, got ", shape.size(), " dimensions");
    return values;
}

}  // namespace xtnn::detail::onnx_import
