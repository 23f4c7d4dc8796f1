// The shared main of mtl-train-au, mtl-train-ex and mtl-train-va. Tools layer.
#pragma once
#include "mtl/core/task.h"

namespace mtl {

// Parses argv for mtl-train-<task>, trains, and returns the exit code.
int train_main(Task task, int argc, char** argv);

}  // namespace mtl
