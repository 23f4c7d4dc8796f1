// Unit tests of the checkpoint metadata and the hyperparameter checks (model layer, compiled
// without LibTorch headers): a round trip, metadata written before the layered library, and bad
// values refused as input errors that name the file.
#define BOOST_TEST_MODULE mtl_checkpoint_meta
#include <boost/test/unit_test.hpp>
#include <stdexcept>

#include "mtl/core/error.h"
#include "mtl/model/checkpoint_meta.h"

using namespace mtl;

namespace {
// The metadata of an AU checkpoint as the toolkit wrote it before this library's layers (0.1.0).
const std::string kOldAu =
    R"j({"au_names":["AU1","AU2","AU4","AU6","AU7","AU10","AU12","AU15","AU23","AU24","AU25","AU26"],)j"
    R"j("au_threshold":0.5,"batch":64,"best_epoch":14,"data_sha256":"ab","dropout":0.5,"epochs":15,)j"
    R"j("ex_names":["Neutral","Anger","Disgust","Fear","Happiness","Sadness","Surprise","Other"],)j"
    R"j("feature_dim":256,"format":"mtl-checkpoint","format_version":1,"in_dim":264,"input":"features+logits",)j"
    R"j("k":4,"logits_dim":8,"loss_weights":[1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0],"lr":0.1,)j"
    R"j("momentum":0.9,"node_dim":32,"node_init_std":0.17677669529663687,"optimizer":"SAM(SGD)","rho":0.05,)j"
    R"j("score_name":"P_AU","seed":3,"task":"au","threads":2,"toolkit_version":"0.1.0",)j"
    R"j("train_data":[{"backbone_sha256":"cd","labelled_rows":500,"path":"train.h5","rows":640}],)j"
    R"j("val_data":null,"val_score":0.61,"weight_decay":0.00390625})j";

// The message of the InputError that parsing `text` throws ("" when none).
std::string error_of(const std::string& text) {
  try {
    CheckpointMeta::from_json(text, "x.pt");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string replaced(std::string s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  BOOST_REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}
}  // namespace

BOOST_AUTO_TEST_CASE(old_metadata_loads) {
  auto m = CheckpointMeta::from_json(kOldAu, "au.pt");
  BOOST_TEST((m.task == Task::AU));
  BOOST_TEST(m.in_dim == 264);
  BOOST_TEST(m.with_logits);
  BOOST_TEST(m.head.au.node_dim == 32);
  BOOST_TEST(m.head.au.k == 4);
  BOOST_TEST(m.head.au.threshold == 0.5);
  BOOST_TEST(m.recipe.sam.lr == 0.1);
  BOOST_TEST(m.best_epoch == 14);
  BOOST_TEST(*m.val_score == 0.61);
  BOOST_TEST(m.train_data.size() == 1u);
  BOOST_TEST(m.train_data[0].labelled_rows == 500u);
  BOOST_TEST(m.val_data.empty());
}

BOOST_AUTO_TEST_CASE(round_trip_keeps_every_field) {
  CheckpointMeta m;
  m.task = Task::EX;
  m.in_dim = 10;
  m.feature_dim = 10;
  m.head.ex.attention = Attention::Paper;
  m.head.ex.attention_hidden = 7;
  m.head.ex.loss_mean = LossMean::PyTorch;
  m.head.au.threshold = 0.25;
  m.recipe.epochs = 3;
  m.recipe.sam.rho = 0;
  m.upstream[Task::AU] = {"au.pt", "ef"};
  m.val_data = {{"val.h5", 5, 4, "00", "pil"}};
  m.loss_weights = {0.5f, 2.0f};
  m.best_epoch = 2;
  const std::string text = m.to_json();
  auto r = CheckpointMeta::from_json(text, "ex.pt");
  BOOST_TEST((r.task == Task::EX));
  BOOST_TEST((r.head.ex.attention == Attention::Paper));
  BOOST_TEST(r.head.ex.attention_hidden == 7);
  BOOST_TEST((r.head.ex.loss_mean == LossMean::PyTorch));
  BOOST_TEST(r.head.au.threshold == 0.25);
  BOOST_TEST(r.recipe.epochs == 3);
  BOOST_TEST(r.recipe.sam.rho == 0.0);
  BOOST_TEST(r.upstream.at(Task::AU).path == "au.pt");
  BOOST_TEST(r.upstream.at(Task::AU).sha256 == "ef");
  BOOST_TEST(r.val_data.at(0).path == "val.h5");
  BOOST_TEST(r.loss_weights.size() == 2u);
  BOOST_TEST(!r.val_score.has_value());
  BOOST_TEST(r.to_json() == text);  // the same metadata gives the same bytes
}

BOOST_AUTO_TEST_CASE(bad_metadata_is_an_input_error_naming_the_file) {
  BOOST_TEST(error_of(replaced(kOldAu, R"("k":4)", R"("k":20)")).find("x.pt: bad value in the checkpoint metadata: "
                                                                      "k must be between 1 and 12, not 20") == 0);
  BOOST_TEST(error_of(replaced(kOldAu, R"("task":"au")", R"("task":"xx")")).find("x.pt: checkpoint of an unknown "
                                                                                 "task 'xx'") == 0);
  BOOST_TEST(error_of(replaced(kOldAu, R"("format_version":1)", R"("format_version":9)")).find("x.pt: checkpoint "
                                                                                               "format version 9") == 0);
  BOOST_TEST(error_of(replaced(kOldAu, R"("in_dim":264)", R"("in_dim":100)")).find("x.pt: bad value") == 0);
  BOOST_TEST(error_of(replaced(kOldAu, R"("k":4,)", "")).find("x.pt: incomplete or mistyped") == 0);
  BOOST_TEST(error_of(replaced(kOldAu, R"("k":4)", R"("k":"four")")).find("x.pt: incomplete or mistyped") == 0);
  BOOST_TEST(error_of(replaced(kOldAu, R"("dropout":0.5)", R"("dropout":1.5)")).find("dropout must be in [0, 1)") !=
             std::string::npos);
  BOOST_TEST(error_of("{").find("x.pt: checkpoint metadata is not valid JSON") == 0);
  BOOST_TEST(error_of("[1,2]").find("x.pt: not an mtl-toolkit checkpoint") == 0);
}

// Each head kind's settings are the keys of its metadata: every setting written with another value
// than its default reads back as written (numbers, choices), a choice outside its list is refused
// naming the key and the choices, and the AU threshold is recorded for every task as au_threshold.
BOOST_AUTO_TEST_CASE(head_settings_are_the_metadata_keys) {
  for (Task task : kAllTasks) {
    const auto* settings = head_settings(task, "");
    BOOST_REQUIRE(settings);
    CheckpointMeta m;
    m.task = task;
    m.in_dim = 10;
    m.feature_dim = 10;
    m.head.au.node_dim = 6;  // the "0 means" values stay as given once set
    m.head.au.node_init_std = 0.3;
    for (const HeadSetting& s : *settings) {
      if (s.type == HeadSetting::Type::Choice)
        s.set_text(m.head, s.choices.back() == s.text(m.head) ? s.choices.front() : s.choices.back());
      else if (std::string(s.name) != "node_dim" && std::string(s.name) != "node_init_std")
        s.set_number(m.head, s.type == HeadSetting::Type::Int ? s.number(m.head) + 1 : s.number(m.head) / 2);
    }
    const std::string text = m.to_json();
    const CheckpointMeta r = CheckpointMeta::from_json(text, "x.pt");
    for (const HeadSetting& s : *settings) {
      BOOST_TEST_CONTEXT(task_name(task) << " " << s.name) {
        if (s.type == HeadSetting::Type::Choice) {
          BOOST_TEST(s.text(r.head) == s.text(m.head));
          BOOST_TEST(s.text(r.head) != s.text(HeadOptions{}));  // the test changed it
        } else {
          BOOST_TEST(s.number(r.head) == s.number(m.head));
        }
        const bool keyed = text.find("\"" + std::string(s.name) + "\":") != std::string::npos;
        BOOST_TEST(keyed == (s.metadata != HeadSetting::Metadata::None));
      }
    }
    BOOST_TEST(r.to_json() == text);
    BOOST_TEST(text.find("\"au_threshold\":") != std::string::npos);
  }
  // A kind's own hyperparameters only: none of the AU head's keys in an EX checkpoint's metadata.
  CheckpointMeta ex;
  ex.task = Task::EX;
  ex.in_dim = ex.feature_dim = 10;
  BOOST_TEST(ex.to_json().find("\"node_dim\"") == std::string::npos);
  const std::string bad = replaced(ex.to_json(), R"("attention":"additive")", R"("attention":"sideways")");
  BOOST_TEST(error_of(bad).find("attention must be paper, additive or none, not 'sideways'") != std::string::npos);
  BOOST_TEST(!head_settings(Task::AU, "no-such-kind"));
  BOOST_TEST(!head_settings(Task::AU, "ex-attention"));  // a kind of another task
}

BOOST_AUTO_TEST_CASE(hyperparameter_checks) {
  BOOST_CHECK_NO_THROW(TrainRecipe().check());
  BOOST_CHECK_NO_THROW(AuHeadOptions().check());
  BOOST_CHECK_NO_THROW(ExHeadOptions().check());
  TrainRecipe r;
  r.sam.lr = 0;
  BOOST_CHECK_THROW(r.check(), std::invalid_argument);
  r = TrainRecipe();
  r.batch = 1;
  BOOST_CHECK_THROW(r.check(), std::invalid_argument);
  AuHeadOptions a;
  a.k = 13;
  BOOST_CHECK_THROW(a.check(), std::invalid_argument);
  a = AuHeadOptions();
  a.threshold = 1.5;
  BOOST_CHECK_THROW(a.check(), std::invalid_argument);
  // "0 means" values resolve to the authors' choices.
  auto res = AuHeadOptions().resolved(16);
  BOOST_TEST(res.node_dim == 16);
  BOOST_TEST(res.node_init_std == 0.25);
  // Which heads a head reads: EX with attention reads AU.
  HeadOptions h;
  BOOST_TEST(upstream_tasks(Task::EX, h).size() == 1u);
  h.ex.attention = Attention::None;
  BOOST_TEST(upstream_tasks(Task::EX, h).empty());
  BOOST_TEST(upstream_tasks(Task::AU, h).empty());
}

BOOST_AUTO_TEST_CASE(tuned_thresholds_round_trip_and_are_checked) {
  auto m = CheckpointMeta::from_json(kOldAu, "au.pt");
  BOOST_TEST(!m.au_thresholds.has_value());  // older checkpoints have none
  BOOST_TEST(!m.ex_offsets.has_value());
  std::array<float, kNumAU> t;
  for (int i = 0; i < kNumAU; ++i) t[i] = 0.05f * static_cast<float>(i + 1);
  m.au_thresholds = t;
  const auto back = CheckpointMeta::from_json(m.to_json(), "au.pt");
  BOOST_REQUIRE(back.au_thresholds.has_value());
  BOOST_TEST(*back.au_thresholds == t);  // every float read back exactly
  const std::string twelve = "[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5,";
  BOOST_TEST(error_of(replaced(kOldAu, "\"au_threshold\":0.5", "\"au_thresholds\":" + twelve + "1.5]")) ==
             "x.pt: bad value in the checkpoint metadata: au_thresholds[11] = 1.5 is not in [0, 1]");
  BOOST_TEST(error_of(replaced(kOldAu, "\"au_threshold\":0.5", "\"au_thresholds\":[0.5]")) ==
             "x.pt: bad value in the checkpoint metadata: au_thresholds must be an array of 12 numbers");
  BOOST_TEST(error_of(replaced(kOldAu, "\"au_threshold\":0.5", "\"ex_offsets\":[0,1,0,0,0,0,0,0]")) ==
             "x.pt: bad value in the checkpoint metadata: ex_offsets in a checkpoint of the au head");
}

namespace {
// The metadata of an EX checkpoint as 0.3.0 wrote it (mtl-train-ex, one epoch on the demo).
const std::string kEx030 =
    R"j({"attention":"additive","attention_hidden":64,"au_checkpoint":"au.pt","au_checkpoint_sha256":"1f1402)j"
    R"j(9f50ac12dc28493733555b63b3736135770687c2532bf54f9f0203fe7e","au_names":["AU1","AU2","AU4","AU6","AU7)j"
    R"j(","AU10","AU12","AU15","AU23","AU24","AU25","AU26"],"au_threshold":0.5,"batch":256,"best_epoch":1,"d)j"
    R"j(ata_sha256":"150ac08118653dddbc4f0f05519fbfac0586ab28dcce19288dad68ac98895d64","epochs":1,"ex_names")j"
    R"j(:["Neutral","Anger","Disgust","Fear","Happiness","Sadness","Surprise","Other"],"feature_dim":256,"fo)j"
    R"j(rmat":"mtl-checkpoint","format_version":1,"in_dim":264,"input":"features+logits","logits_dim":8,"los)j"
    R"j(s_mean":"authors","loss_weights":[0.4385964870452881,0.0,0.0,1.6666666269302368,0.4032258093357086,1)j"
    R"j(.923076868057251,1.08695650100708,0.8333333134651184],"lr":0.001,"momentum":0.9,"optimizer":"SAM(SGD)j"
    R"j()","rho":0.05,"score_name":"P_EX","seed":1,"task":"ex","threads":1,"toolkit_version":"0.3.0","train_)j"
    R"j(data":[{"backbone_sha256":"f29eda647284aebdb7b0bcce5ee6c42763c409f32f187e5bf8c118e87fd42896","labell)j"
    R"j(ed_rows":200,"path":"val.h5","resize":"pil","rows":240}],"val_data":null,"val_score":null,"weight_de)j"
    R"j(cay":0.00390625,"weights_sha256":"9a6d8296ea117811b4ea08c4f389a0070e5a0afbaa398b2da3c89977ff461e9c"})j";
}  // namespace

// Metadata of the default head kinds is written as 0.3.0 wrote it, byte for byte (no "head_kind"),
// so that checkpoints stay as they were; another kind is recorded and read back.
BOOST_AUTO_TEST_CASE(head_kind_recorded_only_when_not_the_default) {
  const CheckpointMeta m = CheckpointMeta::from_json(kEx030, "ex.pt");
  BOOST_TEST(m.head_kind.empty());
  BOOST_TEST((m.head.ex.attention == Attention::Additive));
  BOOST_TEST(m.to_json() == kEx030);
  CheckpointMeta other = m;
  other.head_kind = "ex-temporal";
  const std::string text = other.to_json();
  BOOST_TEST(text.find(R"("head_kind":"ex-temporal")") != std::string::npos);
  BOOST_TEST(CheckpointMeta::from_json(text, "x.pt").head_kind == "ex-temporal");
  BOOST_TEST(error_of(replaced(kEx030, R"("epochs":1,)", R"("epochs":1,"head_kind":7,)")).find(
                 "x.pt: incomplete or mistyped checkpoint metadata") == 0);
}
