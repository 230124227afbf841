#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include <xtnn/metrics/classification.hpp>

using namespace xtnn;

namespace {

// Five binary predictions: thresholded at 0.5 they are (1, 1, 0, 1, 0) against
// targets (1, 0, 1, 1, 1): TP = 2 (rows 0, 3), FP = 1 (row 1), FN = 2 (rows 2, 4), TN = 0.
const Tensor<double> binary_pred = {{0.9}, {0.8}, {0.3}, {0.6}, {0.2}};
const Tensor<double> binary_target = {{1.0}, {0.0}, {1.0}, {1.0}, {1.0}};

// Three classes: argmax (1, 0, 2) against class ids (1, 2, 2).
const Tensor<double> class_pred = {{0.1, 0.7, 0.2}, {0.5, 0.3, 0.2}, {0.2, 0.2, 0.6}};
const Tensor<double> class_ids = {{1.0}, {2.0}, {2.0}};
const Tensor<double> one_hot = {{0.0, 1.0, 0.0}, {0.0, 0.0, 1.0}, {0.0, 0.0, 1.0}};

}  // namespace

TEST_CASE("accuracy, one column: pred >= threshold is class 1") {
    // (1, 1, 0, 1, 0) vs (1, 0, 1, 1, 1): rows 0 and 3 right.
    CHECK(Accuracy{}(binary_pred, binary_target) == 0.4);
    // At 0.15 every prediction is 1: four of five targets are 1.
    CHECK(Accuracy{.threshold = 0.15}(binary_pred, binary_target) == 0.8);
    // Exactly at the threshold counts as 1.
    CHECK(Accuracy{}(Tensor<float>{{0.5f}}, Tensor<float>{{1.0f}}) == 1.0);
    CHECK(Accuracy{}.name() == "accuracy");
}

TEST_CASE("accuracy, several columns: argmax against class ids or one-hot rows") {
    CHECK(Accuracy{}(class_pred, class_ids) == doctest::Approx(2.0 / 3.0));
    CHECK(Accuracy{}(class_pred, one_hot) == doctest::Approx(2.0 / 3.0));
}

TEST_CASE("precision, recall and F1 by hand") {
    CHECK(Precision{}(binary_pred, binary_target) == doctest::Approx(2.0 / 3.0));  // 2 / (2 + 1)
    CHECK(Recall{}(binary_pred, binary_target) == doctest::Approx(0.5));           // 2 / (2 + 2)
    CHECK(F1{}(binary_pred, binary_target) == doctest::Approx(4.0 / 7.0));  // 2·2 / (4 + 1 + 2)
    // Threshold 0.7 keeps rows 0 and 1 positive: TP 1, FP 1, FN 3.
    CHECK(Precision{.threshold = 0.7}(binary_pred, binary_target) == 0.5);
    CHECK(Recall{.threshold = 0.7}(binary_pred, binary_target) == 0.25);
    CHECK(F1{.threshold = 0.7}(binary_pred, binary_target) == doctest::Approx(2.0 / 6.0));
    CHECK(Precision{}.name() == "precision");
    CHECK(Recall{}.name() == "recall");
    CHECK(F1{}.name() == "f1");
}

TEST_CASE("nothing predicted positive or no positives: 0, never NaN") {
    const Tensor<double> all_negative = {{0.1}, {0.2}, {0.3}};
    const Tensor<double> targets = {{1.0}, {0.0}, {1.0}};
    CHECK(Precision{}(all_negative, targets) == 0.0);
    CHECK(Recall{}(all_negative, targets) == 0.0);
    CHECK(F1{}(all_negative, targets) == 0.0);

    const Tensor<double> no_positives = {{0.0}, {0.0}, {0.0}};
    CHECK(Recall{}(binary_pred, Tensor<double>{{0.0}, {0.0}, {0.0}, {0.0}, {0.0}}) == 0.0);
    CHECK(F1{}(all_negative, no_positives) == 0.0);
}

TEST_CASE("auc: rank statistic with ties counting one half") {
    // Positives score 0.5, 0.9, 0.5; negatives 0.2, 0.5. Of the 6 pairs, four are
    // ordered correctly and two tie: (4 + 2·0.5) / 6.
    const Tensor<double> scores = {{0.2}, {0.5}, {0.5}, {0.9}, {0.5}};
    const Tensor<double> labels = {{0.0}, {1.0}, {0.0}, {1.0}, {1.0}};
    CHECK(AUC{}(scores, labels) == doctest::Approx(5.0 / 6.0));

    // The textbook case: positives 0.35, 0.8, negatives 0.1, 0.4: 3 of 4 pairs.
    CHECK(AUC{}(Tensor<float>{{0.1f}, {0.4f}, {0.35f}, {0.8f}},
                Tensor<float>{{0.0f}, {0.0f}, {1.0f}, {1.0f}}) == 0.75);

    const Tensor<double> two_and_two = {{0.0}, {1.0}, {0.0}, {1.0}};
    CHECK(AUC{}(Tensor<double>{{0.3}, {0.3}, {0.3}, {0.3}}, two_and_two) == 0.5);
    CHECK(AUC{}(Tensor<double>{{0.1}, {0.9}, {0.2}, {0.8}}, two_and_two) == 1.0);
    CHECK(AUC{}(Tensor<double>{{0.9}, {0.1}, {0.8}, {0.2}}, two_and_two) == 0.0);
    CHECK(AUC{}.name() == "auc");
}

TEST_CASE("auc errors: one class only, non-finite scores, several columns") {
    CHECK_THROWS_AS(AUC{}(Tensor<double>{{0.1}, {0.9}}, Tensor<double>{{1.0}, {1.0}}),
                    xtnn::error);
    CHECK_THROWS_AS(AUC{}(Tensor<double>{{std::nan("")}, {0.9}}, Tensor<double>{{0.0}, {1.0}}),
                    xtnn::error);
    CHECK_THROWS_AS(AUC{}(class_pred, class_ids), xtnn::error);
}

TEST_CASE("confusion matrix, binary") {
    const auto m = confusion_matrix(binary_pred, binary_target);
    CHECK(m.classes == 2);
    CHECK(m.at(0, 0) == 0);  // TN
    CHECK(m.at(0, 1) == 1);  // FP
    CHECK(m.at(1, 0) == 2);  // FN
    CHECK(m.at(1, 1) == 2);  // TP
    CHECK(m.to_string() ==
          "actual\\predicted  0  1\n"
          "               0  0  1\n"
          "               1  2  2");
    CHECK(confusion_matrix(binary_pred, binary_target, 0.15).at(0, 1) == 1);
    CHECK(confusion_matrix(binary_pred, binary_target, 0.15).at(1, 1) == 4);
    CHECK(m.name() == "confusion_matrix");
    CHECK_THROWS_AS(m.at(2, 0), xtnn::error);
}

TEST_CASE("confusion matrix, several classes") {
    const auto m = confusion_matrix(class_pred, class_ids);
    CHECK(m.classes == 3);
    CHECK(m.counts == std::vector<std::size_t>{0, 0, 0, 0, 1, 0, 1, 0, 1});
    CHECK(m.at(2, 0) == 1);
    CHECK(confusion_matrix(class_pred, one_hot).counts == m.counts);
}

TEST_CASE("metric errors: shape mismatch, empty input, bad labels, multi-column binary metrics") {
    CHECK_THROWS_AS(Accuracy{}(binary_pred, Tensor<double>({4, 1})), xtnn::error);
    CHECK_THROWS_AS(Accuracy{}(class_pred, Tensor<double>({3, 2})), xtnn::error);
    CHECK_THROWS_AS(Accuracy{}(Tensor<double>({0, 1}), Tensor<double>({0, 1})), xtnn::error);
    CHECK_THROWS_AS(confusion_matrix(Tensor<double>({0, 3}), Tensor<double>({0, 1})),
                    xtnn::error);
    CHECK_THROWS_AS(Precision{}(class_pred, class_ids), xtnn::error);
    CHECK_THROWS_AS(Recall{}(Tensor<double>({0, 1}), Tensor<double>({0, 1})), xtnn::error);

    const Tensor<double> bad_label = {{1.0}, {2.0}};
    CHECK_THROWS_AS(Accuracy{}(Tensor<double>{{0.3}, {0.6}}, bad_label), xtnn::error);
    CHECK_THROWS_AS(F1{}(Tensor<double>{{0.3}, {0.6}}, bad_label), xtnn::error);
    try {
        Accuracy{}(class_pred, Tensor<double>{{1.0}, {3.0}, {0.5}});
        FAIL("no error");
    } catch (const xtnn::error& e) {
        CHECK(std::string(e.what()) ==
              "xtnn: accuracy: labels must be integer class ids in [0, 3); found 3 at row 1");
    }
}

TEST_CASE("the named-metric registry: every name computes its metric, an unknown one is refused") {
    CHECK(named_metric("accuracy", binary_pred, binary_target) == Accuracy{}(binary_pred, binary_target));
    CHECK(named_metric("precision", binary_pred, binary_target) == Precision{}(binary_pred, binary_target));
    CHECK(named_metric("recall", binary_pred, binary_target) == Recall{}(binary_pred, binary_target));
    CHECK(named_metric("f1", binary_pred, binary_target) == F1{}(binary_pred, binary_target));
    const Tensor<double> both_classes = {{1.0}, {0.0}, {1.0}, {0.0}, {1.0}};
    CHECK(named_metric("auc", binary_pred, both_classes) == AUC{}(binary_pred, both_classes));
    CHECK(named_metric_list() == "accuracy, auc, precision, recall, f1");
    CHECK(is_named_metric("auc"));
    CHECK_FALSE(is_named_metric("val_auc"));
    CHECK_THROWS_WITH_AS(check_metric_name("auroc", "fit: "),
                         "xtnn: fit: unknown metric 'auroc'; known: accuracy, auc, precision, recall, f1",
                         xtnn::error);
}

TEST_CASE("predicted_classes: the argmax of each row, or the threshold for one column") {
    const Tensor<float> scores = {{0.1f, 0.7f, 0.2f}, {0.5f, 0.2f, 0.3f}, {0.0f, 0.0f, 1.0f}};
    CHECK(predicted_classes(scores) == std::vector<std::size_t>{1, 0, 2});
    const Tensor<double> binary = {{0.2}, {0.5}, {0.9}};
    CHECK(predicted_classes(binary) == std::vector<std::size_t>{0, 1, 1});
    CHECK(predicted_classes(binary, 0.95) == std::vector<std::size_t>{0, 0, 0});
    CHECK_THROWS_AS(predicted_classes(Tensor<float>::from_shape({2, 0})), xtnn::error);
}
