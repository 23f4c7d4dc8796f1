// mtl-train-ex: trains the expression head on a feature store; see man mtl-train-ex.
#include "train_main.h"

int main(int argc, char** argv) { return mtl::train_main(mtl::Task::EX, argc, argv); }
