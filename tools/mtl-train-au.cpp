// mtl-train-au: trains the action unit (ANFL) head on a feature store; see man mtl-train-au.
#include "train_main.h"

int main(int argc, char** argv) { return mtl::train_main(mtl::Task::AU, argc, argv); }
