# The layers of include/xtnn, bottom to top: the one place this order is written.
# A header may include headers of its own folder and of folders listed before
# it; the umbrella headers at the top level (xtnn.hpp, tune.hpp, distributed.hpp, onnx.hpp) may
# include anything. XtnnCheckLayering.cmake enforces it (ctest xtnn_layering).
set(XTNN_LAYERS
  core kernels params io layers compose losses optim metrics data train callbacks tune distributed onnx)
