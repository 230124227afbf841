"""Checks xtnn's Binarizer, KBinsDiscretizer and QuantileTransformer against
scikit-learn. tests/test_preprocessing.cpp writes the training rows, new rows
and, per configuration "<kind>_<settings>", xtnn's outputs: ".train" and ".new"
(transform) and ".inverse" (inverse_transform of transformed new rows). This
script fits scikit-learn on the same rows and compares; it prints the largest
differences and exits non-zero on a mismatch.

Usage: preprocessing_parity.py outputs.npz
"""
import sys
import warnings

import numpy as np
from sklearn.preprocessing import Binarizer, KBinsDiscretizer, QuantileTransformer

# Bin indices must agree exactly; interpolated values within rounding
# (QuantileTransformer's normal output goes through two different Phi^-1 codes).
TOLERANCE = {"binarizer": 0.0, "kbins": 0.0, "quantile": 1e-12}


def reference(kind, settings):
    if kind == "binarizer":
        return Binarizer(threshold=0.3)
    if kind == "kbins":
        strategy, encode, n_bins = settings
        extra = {"subsample": None} if strategy == "quantile" else {}
        return KBinsDiscretizer(n_bins=int(n_bins), strategy=strategy, encode=encode, **extra)
    output, n_quantiles = settings
    return QuantileTransformer(n_quantiles=int(n_quantiles), output_distribution=output)


def main(path):
    arrays = np.load(path)
    train, new = arrays["train"], arrays["new"]
    configurations = sorted({name.rsplit(".", 1)[0] for name in arrays.files if "." in name})
    failures = 0
    for configuration in configurations:
        kind, *settings = configuration.split("_")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # constant features, collapsed bins: expected here
            model = reference(kind, settings).fit(train)
            expected = {"train": model.transform(train), "new": model.transform(new)}
            if hasattr(model, "inverse_transform"):
                expected["inverse"] = model.inverse_transform(model.transform(new))
        for part, want in expected.items():
            got = arrays[f"{configuration}.{part}"]
            if got.shape != want.shape:
                print(f"{configuration}.{part}: shape {got.shape}, scikit-learn {want.shape}")
                failures += 1
                continue
            # scikit-learn's inverse of a constant feature's one bin is NaN
            # (its edges are -inf, inf); xtnn gives the feature's value.
            compared = np.isfinite(want)
            difference = np.abs(got - want)[compared].max(initial=0.0)
            ok = difference <= TOLERANCE[kind]
            if not ok:
                failures += 1
            print(f"{configuration}.{part}: max |xtnn - scikit-learn| = {difference:.3g}"
                  f"{'' if ok else '  MISMATCH'}")
            if not np.isfinite(want).all():
                constant = ~np.isfinite(want).all(axis=0)
                if not np.allclose(got[:, constant], train[0, constant]):
                    print(f"{configuration}.{part}: a constant feature's inverse is not its value")
                    failures += 1
    print(f"{len(configurations)} configurations compared, {failures} mismatches")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
