#pragma once
// oneDNN matmuls for the benchmarks that set xtnn's products beside oneDNN's
// (bench_epilogue, and bench_training's infer/ rows in the oneDNN build): one
// product with an optional epilogue fused as post-ops, and a list of plain
// products standing for a model's forward gemms.
#include <oneapi/dnnl/dnnl.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include <xtnn/kernels/onednn.hpp>

#include "bench_common.hpp"

namespace bench {

enum class Epilogue { none, bias, bias_relu, bias_relu_bn, bias_logistic };

// One oneDNN matmul of rows x in (at `src`) by a random in x out, into its own
// output, with the epilogue fused as post-ops.
class OneDnnDense {
public:
    OneDnnDense(const float* src, std::size_t rows, std::size_t in, std::size_t out, Epilogue epilogue)
        : w_(bench::random_tensor<float>(in, out, 2)),
          b_(bench::random_tensor<float>(1, out, 3)),
          scale_(bench::random_tensor<float>(1, out, 4)),
          shift_(bench::random_tensor<float>(1, out, 5)),
          y_(xtnn::Tensor<float>::from_shape({rows, out})),
          step_(make_step(src, rows, in, epilogue)) {}

    void run() { step_.run(stream_); }
    const float* output() const { return y_.data(); }

private:
    xtnn::detail::OneDnnStep make_step(const float* src, std::size_t rows, std::size_t in, Epilogue epilogue) {
        using xtnn::detail::onednn_dim;
        const auto desc = [](std::size_t r, std::size_t c) {
            return xtnn::detail::onednn_plain_desc({onednn_dim(r), onednn_dim(c)}, c);
        };
        src_ = xtnn::detail::onednn_user_memory(desc(rows, in));
        xtnn::detail::bind(src_, src);
        for (auto [memory, tensor] :
             {std::pair{&weights_, &w_}, {&bias_, &b_}, {&mul_, &scale_}, {&add_, &shift_}, {&dst_, &y_}}) {
            *memory = xtnn::detail::onednn_user_memory(desc(tensor->shape(0), tensor->shape(1)));
            xtnn::detail::bind(*memory, tensor->data());
        }
        dnnl::post_ops ops;
        if (epilogue == Epilogue::bias_relu || epilogue == Epilogue::bias_relu_bn) {
            ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
        }
        if (epilogue == Epilogue::bias_logistic) ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_logistic, 0, 0);
        if (epilogue == Epilogue::bias_relu_bn) {
            ops.append_binary(dnnl::algorithm::binary_mul, mul_.get_desc());
            ops.append_binary(dnnl::algorithm::binary_add, add_.get_desc());
        }
        dnnl::primitive_attr attr;
        attr.set_post_ops(ops);
        const bool biased = epilogue != Epilogue::none;
        const auto op = biased ? dnnl::matmul::desc(src_.get_desc(), weights_.get_desc(), bias_.get_desc(),
                                                    dst_.get_desc())
                               : dnnl::matmul::desc(src_.get_desc(), weights_.get_desc(), dst_.get_desc());
        const dnnl::matmul matmul(dnnl::matmul::primitive_desc(op, attr, xtnn::detail::onednn_engine()));
        constexpr int mul_arg = DNNL_ARG_ATTR_MULTIPLE_POST_OP(1) | DNNL_ARG_SRC_1;
        constexpr int add_arg = DNNL_ARG_ATTR_MULTIPLE_POST_OP(2) | DNNL_ARG_SRC_1;
        if (epilogue == Epilogue::bias_relu_bn) {
            return {matmul, {{DNNL_ARG_SRC, &src_}, {DNNL_ARG_WEIGHTS, &weights_}, {DNNL_ARG_BIAS, &bias_},
                             {DNNL_ARG_DST, &dst_}, {mul_arg, &mul_}, {add_arg, &add_}}};
        }
        if (biased) {
            return {matmul, {{DNNL_ARG_SRC, &src_}, {DNNL_ARG_WEIGHTS, &weights_}, {DNNL_ARG_BIAS, &bias_},
                             {DNNL_ARG_DST, &dst_}}};
        }
        return {matmul, {{DNNL_ARG_SRC, &src_}, {DNNL_ARG_WEIGHTS, &weights_}, {DNNL_ARG_DST, &dst_}}};
    }

    xtnn::Tensor<float> w_, b_, scale_, shift_, y_;
    dnnl::memory src_, weights_, bias_, mul_, add_, dst_;
    dnnl::stream stream_{xtnn::detail::onednn_engine()};
    xtnn::detail::OneDnnStep step_;  // last: built from the members above
};

// The plain products of `gemms` (each X·W with accumulate ignored), each on
// its own operands, run one after another: a model's forward gemms in oneDNN.
class OneDnnProducts {
public:
    explicit OneDnnProducts(const std::vector<GemmShape>& gemms) {
        std::uint64_t seed = 1;
        for (const auto& g : gemms) {
            inputs_.push_back(random_tensor<float>(g.m, g.k, seed++));
            products_.push_back(std::make_unique<OneDnnDense>(inputs_.back().data(), g.m, g.k, g.n, Epilogue::none));
        }
    }

    void run() {
        for (auto& product : products_) product->run();
        benchmark::ClobberMemory();
    }

private:
    std::vector<xtnn::Tensor<float>> inputs_;  // moving a tensor keeps its buffer: the products' pointers stay valid
    std::vector<std::unique_ptr<OneDnnDense>> products_;
};

}  // namespace bench
