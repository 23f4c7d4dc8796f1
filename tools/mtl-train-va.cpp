// mtl-train-va: trains the valence-arousal head on a feature store; see man mtl-train-va.
#include "mtl/train.h"

int main(int argc, char** argv) { return mtl::train_program("va", argc, argv); }
