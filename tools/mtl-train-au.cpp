// mtl-train-au: trains the action unit (ANFL) head on a feature store; see man mtl-train-au.
#include "mtl/train.h"

int main(int argc, char** argv) { return mtl::train_program("au", argc, argv); }
