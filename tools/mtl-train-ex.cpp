// mtl-train-ex: trains the expression head on a feature store; see man mtl-train-ex.
#include "mtl/train.h"

int main(int argc, char** argv) { return mtl::train_program("ex", argc, argv); }
