// Unit tests of the task names and labels (task.cpp).
#include "helpers.h"

#include "mtl/core/task.h"

using namespace mtl;
using namespace mtl_test;

BOOST_AUTO_TEST_CASE(task_names_round_trip) {
  for (Task t : kAllTasks) BOOST_TEST((parse_task(task_name(t)) == t));
  BOOST_TEST(!parse_task("AU").has_value());
  BOOST_TEST(!parse_task("").has_value());
  BOOST_TEST(std::string(task_score_name(Task::EX)) == "P_EX");
  Labels l;
  BOOST_TEST(!has_label(Task::AU, l));
  l.au.fill(0);
  l.au[3] = 1;
  BOOST_TEST(has_label(Task::AU, l));
  BOOST_TEST(!has_label(Task::EX, l));
  l.va = {0.1f, -5.0f};  // arousal missing
  BOOST_TEST(!has_label(Task::VA, l));
}
