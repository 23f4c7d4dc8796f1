// SettingError: a setting out of its range. Apart from error.h, which nearly every file includes,
// so that only the files that check settings or report them depend on it.
#pragma once
#include <stdexcept>
#include <string>

namespace mtl {

// A setting out of its range, named as the library and the checkpoint metadata name it ("node_dim",
// "lr"): what() is "node_dim must be 0 (the input size) or positive, not -1". A std::invalid_argument,
// so that a checkpoint's bad value is reported as one (InputError, "bad value in the checkpoint
// metadata"); the programs spell the setting as their option (--node-dim) when the value came from
// their command line (cli::run).
struct SettingError : std::invalid_argument {
  SettingError(const std::string& setting_name, const std::string& what_is_wrong)
      : std::invalid_argument(setting_name + " " + what_is_wrong), setting(setting_name), problem(what_is_wrong) {}
  std::string setting, problem;
};

}  // namespace mtl
