#pragma once
// Asynchronous successive halving (Li et al., "A System for Massively Parallel
// Hyperparameter Tuning", 2020), in its stopping form: every trial starts at
// epoch 1; at each rung (min_epochs · eta^k epochs) it goes on only if its
// value there is within the top 1/eta of all values recorded at that rung so
// far. No trial waits for others, so workers never idle; the price is that an
// early trial is judged against fewer rivals than a late one.
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "trial.hpp"

namespace xtnn::tune {

struct Asha {
    std::size_t min_epochs = 1;  // the first rung
    std::size_t eta = 3;         // keep the top 1/eta at each rung; rungs grow by eta
    // Hyperband's hedge against a min_epochs too small to judge by: trial i goes
    // to bracket i mod brackets, whose first rung is min_epochs · eta^bracket,
    // and is compared only with its bracket's trials (asynchronous Hyperband).
    std::size_t brackets = 1;
};

class Rungs {
public:
    Rungs(Asha asha, std::size_t max_epochs, bool maximize) : eta_(asha.eta), maximize_(maximize) {
        if (asha.eta < 2) detail::fail("Asha: eta must be >= 2, got ", asha.eta);
        if (asha.min_epochs == 0) detail::fail("Asha: min_epochs must be >= 1, got 0");
        if (asha.min_epochs >= max_epochs) {
            detail::fail("Asha: min_epochs (", asha.min_epochs, ") must be below max_epochs (", max_epochs,
                         "): there is nothing to halve");
        }
        for (std::size_t e = asha.min_epochs; e < max_epochs; e *= asha.eta) epochs_.push_back(e);
        values_.resize(epochs_.size());
    }

    /// The rung epochs, ascending: min_epochs, min_epochs·eta, ... (below max_epochs).
    const std::vector<std::size_t>& epochs() const { return epochs_; }

    /// How many values rung `rung` holds.
    std::size_t recorded(std::size_t rung) const { return values_.at(rung).size(); }

    /// A trial's best value so far after `epoch`: recorded when `epoch` is a rung.
    /// Returns whether the trial may go on (always, off the rungs).
    bool record(std::size_t epoch, double best_so_far) {
        const std::size_t rung = rung_of(epoch);
        if (rung == epochs_.size() || !std::isfinite(best_so_far)) return true;
        std::vector<double>& values = values_[rung];
        values.push_back(best_so_far);
        std::size_t ahead = 0;  // values strictly better than this one
        for (const double v : values) ahead += better(v, best_so_far, maximize_) ? 1 : 0;
        const std::size_t kept = (values.size() + eta_ - 1) / eta_;
        return ahead < kept;
    }

    /// The values a finished trial left at the rungs it reached (a resumed study
    /// sees its earlier trials again), without judging it.
    void replay(const std::vector<double>& curve) {
        double best = std::numeric_limits<double>::quiet_NaN();
        for (std::size_t e = 1; e <= curve.size(); ++e) {
            if (better(curve[e - 1], best, maximize_)) best = curve[e - 1];
            const std::size_t rung = rung_of(e);
            if (rung != epochs_.size() && std::isfinite(best)) values_[rung].push_back(best);
        }
    }

    /// "the top 1/3 at epoch 9"
    std::string cut_message(std::size_t epoch) const {
        return detail::concat("ASHA: not in the top 1/", eta_, " of ", recorded(rung_of(epoch)), " trials at epoch ",
                              epoch);
    }

private:
    std::size_t rung_of(std::size_t epoch) const {
        for (std::size_t r = 0; r < epochs_.size(); ++r) {
            if (epochs_[r] == epoch) return r;
        }
        return epochs_.size();
    }

    std::size_t eta_;
    bool maximize_;
    std::vector<std::size_t> epochs_;
    std::vector<std::vector<double>> values_;
};

/// The rungs of every bracket of `asha`.
inline std::vector<Rungs> make_brackets(const Asha& asha, std::size_t max_epochs, bool maximize) {
    if (asha.brackets == 0) detail::fail("Asha: brackets must be >= 1, got 0");
    std::vector<Rungs> brackets;
    std::size_t first_rung = asha.min_epochs;
    for (std::size_t b = 0; b < asha.brackets; ++b, first_rung *= asha.eta) {
        if (b > 0 && first_rung >= max_epochs) {
            detail::fail("Asha: bracket ", b, " would start at epoch ", first_rung, ", not below max_epochs (",
                         max_epochs, "); use at most ", b, " brackets");
        }
        brackets.emplace_back(Asha{.min_epochs = first_rung, .eta = asha.eta, .brackets = 1}, max_epochs, maximize);
    }
    return brackets;
}

}  // namespace xtnn::tune
