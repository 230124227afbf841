#pragma once
// DynamicParallel<T>: Parallel(Concat{}, ...) whose branches are chosen at run
// time (AnyModule<T>), e.g. a branching graph read from a file. Same contract
// as Parallel: every branch sees the same input, outputs are concatenated
// along the features (images of one height and width stack their channels),
// input widths are checked as branches are added, parameters are named by
// branch index and packed into one block. Each branch's output and gradient
// are copied once into and out of the concatenation (AnyModule offers no
// view hooks); buffers are resized only when the batch size changes.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/image_shape.hpp"
#include "../core/matrix_view.hpp"
#include "../core/module.hpp"
#include "../core/random.hpp"
#include "../core/tensor.hpp"
#include "../params/packing.hpp"
#include "any_module.hpp"
#include "parallel.hpp"

namespace xtnn {

template <Real T>
class DynamicParallel {
public:
    using value_type = T;

    explicit DynamicParallel(Concat = {}) {}

    // Appends a branch, checking that it accepts the input the others accept.
    DynamicParallel& add(AnyModule<T> branch) {
        const std::size_t index = branches_.size();
        if (input_image_) offer_and_check_image(branch, index, *input_image_, "the input is");
        const std::optional<std::size_t> need = branch.input_width();
        if (need && input_width_ && *need != *input_width_) {
            detail::fail(describe(), ": branch ", index, " ", branch.describe(), " expects ", *need,
                         " input features, but ", width_owner_, " expects ", *input_width_,
                         " (every branch sees the same input)");
        }
        if (need && !input_width_) {
            input_width_ = need;
            width_owner_ = detail::concat("branch ", index, " ", branch.describe());
        }
        if (!input_image_ && branch.input_image()) {
            input_image_ = branch.input_image();
            const std::string source = detail::concat("branch ", index, " ", branch.describe(), " expects");
            for (std::size_t i = 0; i < index; ++i) offer_and_check_image(branches_[i], i, *input_image_, source);
        }
        detail::prefix_names<T>(branch, std::to_string(index));
        branches_.push_back(std::move(branch));
        widths_.push_back(0);
        branch_grads_.emplace_back();
        detail::pack_parameters<T>(*this);
        return *this;
    }

    const Tensor<T>& forward(const Tensor<T>& x, Mode mode) {
        plan_widths(x);
        ensure_shape(output_, rows_, width_);
        std::size_t offset = 0;
        for (std::size_t i = 0; i < branches_.size(); ++i) {
            const Tensor<T>& y = branches_[i].forward(x, mode);
            check_view_shape(view_of(y), rows_, widths_[i], [&] {
                return detail::concat(describe(), ": branch ", i, " ", branches_[i].describe());
            });
            detail::copy_rows(view_of(y), view_of(output_).columns(offset, widths_[i]));
            offset += widths_[i];
        }
        return output_;
    }

    const Tensor<T>& backward(const Tensor<T>& grad_out) {
        check_view_shape(view_of(grad_out), rows_, width_, [this] { return describe(); });
        std::size_t offset = 0;
        for (std::size_t i = 0; i < branches_.size(); ++i) {
            ensure_shape(branch_grads_[i], rows_, widths_[i]);
            detail::copy_rows(view_of(grad_out).columns(offset, widths_[i]), view_of(branch_grads_[i]));
            offset += widths_[i];
            const Tensor<T>& dx = branches_[i].backward(branch_grads_[i]);
            if (input_grad_required_) detail::accumulate_branch_grad(grad_input_, dx, i == 0);
        }
        return grad_input_;
    }

    std::optional<std::size_t> input_width() const { return input_width_; }
    std::optional<std::size_t> output_width(std::optional<std::size_t> input) const {
        if (branches_.empty()) return std::nullopt;
        std::size_t total = 0;
        for (const auto& b : branches_) {
            const auto w = b.output_width(input ? input : input_width_);
            if (!w) return std::nullopt;
            total += *w;
        }
        return total;
    }

    std::optional<ImageShape> input_image() const { return input_image_; }
    // Channels stacked, when every branch produces an image of the same height and width.
    std::optional<ImageShape> output_image(std::optional<ImageShape> input) const {
        std::optional<ImageShape> stacked;
        for (std::size_t i = 0; i < branches_.size(); ++i) {
            const auto image = branches_[i].output_image(input ? input : input_image_);
            if (i == 0) stacked = image;
            else if (stacked && image && image->height == stacked->height && image->width == stacked->width)
                stacked->channels += image->channels;
            else return std::nullopt;
        }
        return stacked;
    }
    void set_input_image(ImageShape image) {
        if (input_width_ && *input_width_ != image.size()) return;
        input_image_ = image;
        input_width_ = image.size();
        width_owner_ = "the input image";
        for (std::size_t i = 0; i < branches_.size(); ++i) offer_and_check_image(branches_[i], i, image, "the input is");
    }

    std::string describe() const { return detail::concat("DynamicParallel(Concat, ", branches_.size(), " branches)"); }

    template <class F>
    void visit_parameters(F&& f) {
        for (auto& b : branches_) b.visit_parameters(f);
    }
    void reseed(std::uint64_t seed) {
        for (std::size_t i = 0; i < branches_.size(); ++i) branches_[i].reseed(derive_seed(seed, i));
    }
    void set_input_grad_required(bool required) {
        input_grad_required_ = required;
        for (auto& b : branches_) b.set_input_grad_required(required);
    }

    std::size_t size() const { return branches_.size(); }
    AnyModule<T>& operator[](std::size_t i) { return branches_.at(i); }

private:
    void offer_and_check_image(AnyModule<T>& branch, std::size_t index, ImageShape image, const std::string& source) {
        branch.set_input_image(image);
        const auto need = branch.input_image();
        if (need && *need != image) {
            detail::fail(describe(), ": branch ", index, " ", branch.describe(), " expects a ", to_string(*need),
                         " input image, but ", source, " ", to_string(image), " (every branch sees the same input)");
        }
    }

    // Every branch's output width for this input, so each gets its slice.
    void plan_widths(const Tensor<T>& x) {
        if (branches_.empty()) detail::fail(describe(), ": no branches added");
        rows_ = x.shape(0);
        width_ = 0;
        for (std::size_t i = 0; i < branches_.size(); ++i) {
            const auto w = branches_[i].output_width(x.shape(1));
            if (!w) {
                detail::fail(describe(), ": branch ", i, " ", branches_[i].describe(),
                             " cannot tell its output width for ", x.shape(1), " input features");
            }
            widths_[i] = *w;
            width_ += *w;
        }
    }

    std::vector<AnyModule<T>> branches_;
    std::optional<std::size_t> input_width_;
    std::string width_owner_;  // who fixed the input width, for messages
    std::optional<ImageShape> input_image_;
    bool input_grad_required_ = true;
    std::vector<std::size_t> widths_;
    std::size_t rows_ = 0;
    std::size_t width_ = 0;
    std::vector<Tensor<T>> branch_grads_;
    Tensor<T> output_;
    Tensor<T> grad_input_;
};

}  // namespace xtnn
