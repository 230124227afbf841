// Trains the paper's Wide-and-Deep network on one Kryptonite-n set.
#include "single_run.hpp"

int main(int argc, char** argv) { return paper::single_run_main("wdnn", argc, argv); }
