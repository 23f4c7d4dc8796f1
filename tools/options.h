// The option groups of the programs, each bound once to the library struct that owns its
// defaults (ExtractOptions, TrainRecipe, SamOptions, AuHeadOptions, ExHeadOptions). Tools layer.
#pragma once
#include <map>
#include <string>

#include "cli.h"
#include "mtl/pipeline/extract.h"
#include "mtl/pipeline/train.h"

namespace mtl {
namespace cli {

// The backbone's input under `group`: --size (default: the size the backbone records), --mean and
// --std; part of the image options, and mtl-export's (a model with a backbone normalises itself).
void add_input_options(Parser& p, const std::string& group, Preprocess& pre);
// Reads --mean and --std into `pre`; returns true when --size was left out (the backbone's record
// decides). Throws UsageError.
bool finish_input_options(const cxxopts::ParseResult& r, Preprocess& pre);

// How images are read (--image-root, --skip-bad, --batch, --size, --mean, --std), under `group`;
// shared by mtl-extract and mtl-predict --backbone.
void add_image_options(Parser& p, const std::string& group, ExtractOptions& o);
// Completes `o` from a parse (--mean, --std, --skip-bad) and checks it. Throws UsageError.
void finish_image_options(const cxxopts::ParseResult& r, ExtractOptions& o);

// --au, --ex and --va: the head checkpoints a program reads (mtl-predict, mtl-export), one per task.
void add_checkpoint_options(Parser& p, std::map<Task, std::string>& checkpoints);

// The options of mtl-train-<o.task>: data, the training recipe, and the head's own group.
void add_train_options(Parser& p, TrainOptions& o);

// The "Training" group: epochs, batch, SGD and SAM, --augment (defaults: the values in `t`), and
// reading what needs parsing back.
void add_recipe_options(Parser& p, TrainRecipe& t);
void finish_recipe_options(const cxxopts::ParseResult& r, TrainRecipe& t);
// --memory-budget as bytes (0 when not given). Throws UsageError for a value that is not a size.
size_t memory_budget_option(const cxxopts::ParseResult& r);

// The value of a "none|flip" option (--augment, --tta): true for flip. Throws UsageError naming
// `option` for any other value.
bool parse_flip(const std::string& option, const std::string& value);
// Completes `o` from a parse (common options, named choices) and checks every value before any
// file is read. Throws UsageError.
void finish_train_options(const Parser& p, const cxxopts::ParseResult& r, TrainOptions& o);

}  // namespace cli
}  // namespace mtl
