// Reading argv beside cxxopts, so that a message names the option at fault: which value belongs
// to which option, why a value is not of its option's kind, arguments that are not UTF-8. Tools
// layer; no cxxopts here (the Parser in cli.h records each option's kind as it adds the option).
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace mtl {
namespace cli {

// What an option's value must look like, for messages that name the option at fault.
enum class ValueKind { Flag, Int32, Int64, UInt64, Real, Real32, Reals, Reals32, Text };  // Real32: a float

// Options by their names without dashes ("epochs", "k"), short and long.
using OptionKinds = std::map<std::string, ValueKind>;

// An option's name with its dashes: "--epochs", "-k".
std::string option_name(const std::string& name);

// The option of a library setting (HeadSetting, SettingError), without dashes: "node_dim" ->
// "node-dim". The programs' options are named after the settings they set, '-' for '_'.
std::string setting_option(const std::string& setting);
// Its command-line spelling: "node_dim" -> "--node-dim", "k" -> "-k".
std::string option_spelling(const std::string& setting);

// Why `t` is no value of kind `k` ("is not an integer", "is out of range (at most 3.4e38 in
// size)", "holds 'x', which is not a number"), or "" when it is one.
std::string value_problem(ValueKind k, const std::string& t);

// The (option, value) pairs of argv, as cxxopts reads them: --name=value, --name value, -xvalue,
// -x value (-qx value: flags first); flags, and unknown options without "=", give none; "--" ends
// the options.
std::vector<std::pair<std::string, std::string>> option_values(int argc, char** argv, const OptionKinds& kinds);

// Throws UsageError for the first argument that is not UTF-8: an option's value named by its
// option ("--train: the value 'bad...' is not valid UTF-8 (byte 0xFF at offset 3); ..."), anything
// else (a file argument, an option's name) as "the argument". File names go into JSON metadata.
void check_utf8_arguments(int argc, char** argv, const OptionKinds& kinds);

}  // namespace cli
}  // namespace mtl
