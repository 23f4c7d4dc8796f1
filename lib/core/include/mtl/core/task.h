// The three tasks of the ABAW multi-task challenge, and the one place where their names are parsed.
#pragma once
#include <array>
#include <optional>
#include <string>

#include "mtl/core/labels.h"

namespace mtl {

enum class Task { AU, EX, VA };

constexpr std::array<Task, 3> kAllTasks = {Task::AU, Task::EX, Task::VA};

// "au", "ex" or "va": the task's name in program names, options, checkpoints and JSON.
const char* task_name(Task t);
// The name of the task's challenge score: "P_AU", "P_EX" or "P_VA".
const char* task_score_name(Task t);
// Parses "au", "ex" or "va"; nullopt for anything else.
std::optional<Task> parse_task(const std::string& s);
// Whether `l` carries the task's label (for AU: all 12 AUs).
bool has_label(Task t, const Labels& l);

// The rows a trainer takes: those with one task's label (a Task converts to it), or, for joint
// training of the three heads, those with the label of any task.
struct RowFilter {
  std::optional<Task> task;  // nullopt: any task's label
  RowFilter(Task t) : task(t) {}  // NOLINT: a task is the filter of its rows
  static RowFilter any_task() { return RowFilter(); }
  bool takes(const Labels& l) const;

 private:
  RowFilter() = default;
};

}  // namespace mtl
