// mtl-train-va: trains the valence-arousal head on a feature store; see man mtl-train-va.
#include "train_main.h"

int main(int argc, char** argv) { return mtl::train_main(mtl::Task::VA, argc, argv); }
