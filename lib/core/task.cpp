// Task names: the only place that turns a task into text and back.
#include "mtl/core/task.h"

namespace mtl {

const char* task_name(Task t) {
  switch (t) {
    case Task::AU: return "au";
    case Task::EX: return "ex";
    case Task::VA: return "va";
  }
  return "?";
}

const char* task_score_name(Task t) {
  switch (t) {
    case Task::AU: return "P_AU";
    case Task::EX: return "P_EX";
    case Task::VA: return "P_VA";
  }
  return "?";
}

std::optional<Task> parse_task(const std::string& s) {
  for (Task t : kAllTasks)
    if (s == task_name(t)) return t;
  return std::nullopt;
}

bool has_label(Task t, const Labels& l) {
  switch (t) {
    case Task::AU: return l.has_au();
    case Task::EX: return l.has_ex();
    case Task::VA: return l.has_va();
  }
  return false;
}

bool RowFilter::takes(const Labels& l) const {
  if (task) return has_label(*task, l);
  return has_label(Task::AU, l) || has_label(Task::EX, l) || has_label(Task::VA, l);
}

}  // namespace mtl
