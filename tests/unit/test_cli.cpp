// Unit tests of the tools layer's command-line pieces that work without cxxopts: the help
// wrapping (cli_help.h) and the argv scanner that names the option at fault (cli_argv.h). The
// expected texts are worked by hand from the rules in the headers.
#define BOOST_TEST_MODULE mtl_cli
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "cli_argv.h"
#include "cli_help.h"
#include "mtl/core/error.h"

using namespace mtl::cli;

namespace {

// argv of the words given, argv[0] first.
struct Argv {
  explicit Argv(std::vector<std::string> w) : words(std::move(w)) {
    for (auto& s : words) ptrs.push_back(s.data());
  }
  int argc() const { return static_cast<int>(ptrs.size()); }
  char** argv() { return ptrs.data(); }
  std::vector<std::string> words;
  std::vector<char*> ptrs;
};

const OptionKinds kKinds = {{"epochs", ValueKind::Int32}, {"e", ValueKind::Int32}, {"lr", ValueKind::Real},
                            {"q", ValueKind::Flag},       {"quiet", ValueKind::Flag}, {"o", ValueKind::Text},
                            {"output", ValueKind::Text},  {"mean", ValueKind::Reals32}};

using Pairs = std::vector<std::pair<std::string, std::string>>;

}  // namespace

BOOST_AUTO_TEST_CASE(option_values_pairs_each_value_with_its_option) {
  Argv a({"prog", "--epochs=3", "--lr", "0.1", "-oout.pt", "-q", "-qe", "7", "in.txt", "--quiet", "--", "--lr", "9"});
  const Pairs want = {{"epochs", "3"}, {"lr", "0.1"}, {"o", "out.pt"}, {"e", "7"}};
  BOOST_TEST((option_values(a.argc(), a.argv(), kKinds) == want));
  // An option that takes a value, last: no value, no pair; an unknown option: none either.
  Argv b({"prog", "--nope", "x", "--epochs"});
  BOOST_TEST(option_values(b.argc(), b.argv(), kKinds).empty());
  // "--name=" gives the empty value (cxxopts reads it so).
  Argv c({"prog", "--output="});
  BOOST_TEST((option_values(c.argc(), c.argv(), kKinds) == Pairs{{"output", ""}}));
}

BOOST_AUTO_TEST_CASE(value_problems_say_why) {
  BOOST_TEST(value_problem(ValueKind::Int32, "12") == "");
  BOOST_TEST(value_problem(ValueKind::Int32, "2x") == "is not an integer");
  BOOST_TEST(value_problem(ValueKind::Int32, "2147483648") == "is out of range");
  BOOST_TEST(value_problem(ValueKind::Int64, "2147483648") == "");
  BOOST_TEST(value_problem(ValueKind::UInt64, "-1") == "is not a non-negative integer");
  BOOST_TEST(value_problem(ValueKind::Real, "1e999") == "is out of range (at most 1.8e308 in size)");
  BOOST_TEST(value_problem(ValueKind::Real32, "1e39") == "is out of range (at most 3.4e38 in size)");
  BOOST_TEST(value_problem(ValueKind::Real, "nan") == "is not a number");
  BOOST_TEST(value_problem(ValueKind::Reals32, "0.5,x") == "is not a comma-separated list of numbers");
  BOOST_TEST(value_problem(ValueKind::Reals32, "0.5,1e39") == "holds '1e39', which is out of range (at most 3.4e38 in size)");
  BOOST_TEST(value_problem(ValueKind::Text, "anything") == "");
}

BOOST_AUTO_TEST_CASE(options_are_spelled_with_their_dashes) {
  BOOST_TEST(option_name("k") == "-k");
  BOOST_TEST(option_name("epochs") == "--epochs");
  BOOST_TEST(option_spelling("node_dim") == "--node-dim");
  BOOST_TEST(option_spelling("weight_decay") == "--weight-decay");
  BOOST_TEST(option_spelling("k") == "-k");
}

BOOST_AUTO_TEST_CASE(arguments_that_are_not_utf8_are_named) {
  auto message = [](std::vector<std::string> words) -> std::string {
    Argv a(std::move(words));
    try {
      check_utf8_arguments(a.argc(), a.argv(), kKinds);
    } catch (const mtl::UsageError& e) {
      return e.what();
    }
    return "";
  };
  BOOST_TEST(message({"prog", "-o", "out.pt", "in\xc3\xa9.txt"}) == "");  // é in UTF-8
  BOOST_TEST(message({"prog", "-o", "ab\xff"}).rfind("-o: the value 'ab...' is not valid UTF-8 (byte 0xFF at offset 2)", 0) == 0);
  BOOST_TEST(message({"prog", "--output=ab\xff"}).rfind("--output: the value 'ab...'", 0) == 0);
  // A flag before a file argument: the file is an argument, not the flag's value.
  BOOST_TEST(message({"prog", "-q", "x\xff.txt"}).rfind("the argument 'x...' is not valid UTF-8", 0) == 0);
  BOOST_TEST(message({"prog", "--", "x\xff.txt"}).rfind("the argument 'x...'", 0) == 0);
}

BOOST_AUTO_TEST_CASE(help_lines_wrap_under_their_description) {
  // 20 columns: "three" would end at column 21, so the description goes on under its column (8);
  // a line that fits,
  // and a line that is not an option's, are left as they are (less trailing blanks).
  const std::string in = "  -k N  one two three four\n"
                         "short   \n";
  BOOST_TEST(wrap_help(in, 20) == "  -k N  one two\n        three four\nshort\n");
  // "(default: X)" is one word: it moves whole to the next line.
  BOOST_TEST(wrap_help("  --lr X  rate (default: 0.1)\n", 20) == "  --lr X  rate\n          (default: 0.1)\n");
  // A word longer than the width stays whole on its own line.
  BOOST_TEST(wrap_help("  -a  x abcdefghijklmnopqrstuvwxyz\n", 12) == "  -a  x\n      abcdefghijklmnopqrstuvwxyz\n");
}

BOOST_AUTO_TEST_CASE(help_names_the_values) {
  BOOST_TEST(value_name("e,epochs", ValueKind::Int32) == "N");
  BOOST_TEST(value_name("lr", ValueKind::Real) == "X");
  BOOST_TEST(value_name("o,output", ValueKind::Text) == "FILE");
  BOOST_TEST(value_name("attention", ValueKind::Text) == "ATTENTION");
  BOOST_TEST(value_name("loss-mean", ValueKind::Text) == "LOSS_MEAN");
  BOOST_TEST(default_text(0.1) == "0.1");
  BOOST_TEST(default_text(0.1f) == "0.1");
  BOOST_TEST(default_text(256) == "256");
}
