// Reading training logs: one JSON object per epoch, as the Trainer writes them.
#include "mtl/core/training_log.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "mtl/core/error.h"
#include "mtl/core/log.h"
#include "text_lines.h"

namespace mtl {
namespace {

struct LineError {
  std::string what;
  bool not_json = false;  // the line is not JSON at all (as a line cut short is not)
};

const nlohmann::json& need(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) throw LineError{std::string("no \"") + key + "\""};
  return *it;
}

double number(const nlohmann::json& j, const char* key) {
  const auto& v = need(j, key);
  if (!v.is_number()) throw LineError{std::string("\"") + key + "\" is not a number"};
  const double d = v.get<double>();
  if (!std::isfinite(d)) throw LineError{std::string("\"") + key + "\" is not finite"};
  return d;
}

int integer(const nlohmann::json& j, const char* key, int lo) {
  const auto& v = need(j, key);
  bool ok = v.is_number_integer();
  if (ok && v.is_number_unsigned()) ok = v.get<uint64_t>() <= uint64_t(std::numeric_limits<int>::max());
  if (ok && !v.is_number_unsigned()) ok = v.get<int64_t>() >= lo && v.get<int64_t>() <= std::numeric_limits<int>::max();
  if (!ok || v.get<int64_t>() < lo)
    throw LineError{std::string("\"") + key + "\" must be an integer of at least " + std::to_string(lo)};
  return static_cast<int>(v.get<int64_t>());
}

// Parses one line into `log`; the first line sets the task and whether validation is logged.
void parse_line(std::string_view line, TrainingLog& log) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    throw LineError{std::string("invalid JSON: ") + e.what(), true};
  }
  if (!j.is_object()) throw LineError{"expected a JSON object"};
  const auto& task_v = need(j, "task");
  const std::string task_text = task_v.is_string() ? task_v.get<std::string>() : "";
  const std::optional<Task> task = parse_task(task_text);  // nullopt: joint
  if (!task && task_text != "joint") throw LineError{"\"task\" must be \"au\", \"ex\", \"va\" or \"joint\""};
  auto name = [](std::optional<Task> t) { return t ? std::string(task_name(*t)) : std::string("joint"); };
  const bool has_val = j.contains("val_loss") || j.contains("val_score");
  if (log.epochs.empty()) {
    log.task = task;
    log.has_val = has_val;
  } else if (task != log.task) {
    throw LineError{"the task is " + name(task) + ", but line 1's is " + name(log.task)};
  } else if (has_val != log.has_val) {
    throw LineError{has_val ? "validation scores, but line 1 has none" : "no validation scores, but line 1 has them"};
  }
  EpochRecord r;
  r.epoch = integer(j, "epoch", 1);
  if (!log.epochs.empty() && r.epoch <= log.epochs.back().epoch)
    throw LineError{"epoch " + std::to_string(r.epoch) + " after epoch " + std::to_string(log.epochs.back().epoch) +
                    " (two runs in one log?)"};
  r.train_loss = number(j, "train_loss");
  if (has_val) {
    r.val_loss = number(j, "val_loss");
    r.val_score = number(j, "val_score");
  }
  r.best_epoch = integer(j, "best_epoch", 0);
  r.wall_s = number(j, "wall_s");
  log.epochs.push_back(r);
}

}  // namespace

TrainingLog parse_training_log(const std::string& text, const std::string& name) {
  TrainingLog log;
  log.path = name;
  // A last line without its newline that is not JSON may be one that a running trainer is writing
  // just now.
  const size_t cut = text.empty() || text.back() == '\n' ? text.size() : text.rfind('\n') + 1;
  for_each_line(std::string_view(text), [&](std::string_view line, int lineno) {
    try {
      if (line.find_first_not_of(" \t") == std::string_view::npos) throw LineError{"empty line"};
      parse_line(line, log);
    } catch (const LineError& e) {
      const bool unfinished = static_cast<size_t>(line.data() - text.data()) >= cut;
      if (!unfinished || !e.not_json || log.epochs.empty())
        throw InputError(name + ": line " + std::to_string(lineno) + ": " + e.what);
      logging::warn(name + ": line " + std::to_string(lineno) + " has no end yet (" + e.what + "): left out");
    }
  });
  if (log.epochs.empty()) throw InputError(name + ": an empty training log");
  return log;
}

TrainingLog read_training_log(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError(path + ": cannot open: " + std::strerror(errno));
  return parse_training_log(read_text(f, path), path);
}

}  // namespace mtl
