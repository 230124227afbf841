#pragma once
// Width bookkeeping shared by the containers: every neighbour pair is checked
// when a model is built, and the message names both modules and both widths.
#include <cstddef>
#include <optional>
#include <string>

#include "../core/error.hpp"

namespace xtnn::detail {

// Walks a chain of modules, tracking the width flowing between them.
class WidthChain {
public:
    explicit WidthChain(std::string container) : container_(std::move(container)) {}

    template <class M>
    void add(const M& module, std::size_t index) {
        const std::optional<std::size_t> need = module.input_width();
        if (need && width_ && *need != *width_) {
            fail(container_, ": module ", index, " ", module.describe(), " expects ", *need,
                 " input features, but module ", index - 1, " ", previous_, " produces ", *width_);
        }
        if (need && !width_ && !input_) input_ = need;
        width_ = module.output_width(width_ ? width_ : need);
        previous_ = module.describe();
    }

    // The width the chain needs at its input (nullopt: any), and what it produces.
    std::optional<std::size_t> input() const { return input_; }
    std::optional<std::size_t> output() const { return width_; }

private:
    std::string container_;
    std::optional<std::size_t> input_;
    std::optional<std::size_t> width_;
    std::string previous_;
};

}  // namespace xtnn::detail
