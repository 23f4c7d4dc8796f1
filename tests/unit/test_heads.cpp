// Unit tests of the heads, losses and SAM: hand-derived cases and finite differences.
#define BOOST_TEST_MODULE mtl_heads
#include <boost/test/unit_test.hpp>
#include <cmath>

#include "mtl/model/au_head.h"
#include "mtl/model/ex_head.h"
#include "mtl/model/losses.h"
#include "mtl/model/sam.h"
#include "mtl/model/task_head.h"
#include "mtl/model/temporal_head.h"
#include "mtl/core/frame_windows.h"
#include "mtl/model/va_head.h"

using namespace mtl;

namespace {

// Central finite-difference gradient of f at x (double precision).
torch::Tensor fd_grad(const std::function<torch::Tensor(const torch::Tensor&)>& f, const torch::Tensor& x) {
  auto g = torch::zeros_like(x);
  auto flat = x.reshape(-1);
  const double h = 1e-6;
  for (int64_t i = 0; i < flat.numel(); ++i) {
    auto xp = flat.clone(), xm = flat.clone();
    xp[i] += h;
    xm[i] -= h;
    g.view(-1)[i] = (f(xp.view(x.sizes())).item<double>() - f(xm.view(x.sizes())).item<double>()) / (2 * h);
  }
  return g;
}

torch::Tensor autograd_grad(const std::function<torch::Tensor(const torch::Tensor&)>& f, const torch::Tensor& x) {
  auto xv = x.clone().set_requires_grad(true);
  f(xv).backward();
  return xv.grad();
}

double max_abs(const torch::Tensor& t) { return t.abs().max().item<double>(); }
}  // namespace

// ------------------------------------------------------------------------------------ graph
BOOST_AUTO_TEST_CASE(knn_graph_keeps_ties) {
  // One-channel nodes 1, 2, 3, 0: S_ij = v_i v_j.
  auto v = torch::tensor({1.f, 2.f, 3.f, 0.f}).view({1, 4, 1});
  auto a = AuHeadImpl::knn_adjacency(v, 2);
  // Row 0 (1, 2, 3, 0): the two largest are 3 and 2 -> nodes 2 and 1.
  BOOST_TEST(a[0][0].equal(torch::tensor({0.f, 1.f, 1.f, 0.f})));
  // Row 3 is all zeros: every entry ties with the second largest, so all four are kept.
  BOOST_TEST(a[0][3].equal(torch::tensor({1.f, 1.f, 1.f, 1.f})));
  // Equal nodes tie: with 1, 1, 1, 2 row 0 is (1, 1, 1, 2) and keeps all four at k = 2.
  auto w = torch::tensor({1.f, 1.f, 1.f, 2.f}).view({1, 4, 1});
  BOOST_TEST(AuHeadImpl::knn_adjacency(w, 2)[0][0].sum().item<float>() == 4.f);
  // k = 1 keeps only the largest of row 0 (node 3, value 2).
  BOOST_TEST(AuHeadImpl::knn_adjacency(w, 1)[0][0].equal(torch::tensor({0.f, 0.f, 0.f, 1.f})));
}

BOOST_AUTO_TEST_CASE(graph_normalisation) {
  // A path graph 0-1-2 with self loops: degrees 2, 3, 2.
  auto a = torch::tensor({1.f, 1.f, 0.f, 1.f, 1.f, 1.f, 0.f, 1.f, 1.f}).view({1, 3, 3});
  auto n = AuHeadImpl::normalize_adjacency(a);
  BOOST_TEST(std::abs(n[0][0][0].item<float>() - 0.5f) < 1e-6);
  BOOST_TEST(std::abs(n[0][0][1].item<float>() - 1 / std::sqrt(6.f)) < 1e-6);
  BOOST_TEST(std::abs(n[0][1][1].item<float>() - 1 / 3.f) < 1e-6);
  BOOST_TEST(n[0][0][2].item<float>() == 0.f);
}

BOOST_AUTO_TEST_CASE(au_head_outputs_probabilities) {
  torch::manual_seed(3);
  AuHeadOptions o;
  o.node_dim = 6;
  AuHead h(20, o);
  BOOST_TEST(h->node_fc->weight.sizes() == torch::IntArrayRef({12 * 6, 20}));
  BOOST_TEST(h->sc.sizes() == torch::IntArrayRef({12, 6}));
  auto x = torch::randn({16, 20});
  for (bool train : {true, false}) {
    h->train(train);
    auto p = h->forward(x);
    BOOST_TEST(p.sizes() == torch::IntArrayRef({16, 12}));
    BOOST_TEST(p.min().item<float>() >= 0.f);
    BOOST_TEST(p.max().item<float>() <= 1.f + 1e-6f);
  }
  // The initialisation: per-AU weights have std sqrt(1/C), GCN weights sqrt(2/C).
  BOOST_TEST(std::abs(h->node_fc->weight.std().item<double>() - std::sqrt(1.0 / 6)) < 0.05);
  BOOST_TEST(std::abs(h->gnn_u->weight.std().item<double>() - std::sqrt(2.0 / 6)) < 0.2);
  BOOST_TEST(h->gnn_bn->weight.eq(1).all().item<bool>());
  BOOST_TEST(h->node_bn->bias.eq(0).all().item<bool>());
}

// ----------------------------------------------------------------------------------- EX head
BOOST_AUTO_TEST_CASE(ex_attention_hand_derived) {
  torch::NoGradGuard ng;
  auto x = torch::ones({1, 1});
  auto p_au = torch::rand({1, 12});
  // z = fc(x) = (0, 1, 0, ..., 0).
  auto set_fc = [](ExHead& h) {
    h->fc->weight.zero_();
    h->fc->bias.zero_();
    h->fc->bias[1] = 1;
  };
  {  // paper: a = tanh(W_q p + W_k z) with W_q = 0, W_k = I -> y = tanh(z) * z.
    ExHead h(1, ExHeadOptions{Attention::Paper, 64});
    set_fc(h);
    h->att_q->weight.zero_();
    h->att_k->weight.copy_(torch::eye(8));
    auto y = h->forward(x, p_au);
    BOOST_TEST(std::abs(y[0][1].item<float>() - std::tanh(1.f)) < 1e-6);
    BOOST_TEST(y[0][0].item<float>() == 0.f);
  }
  {  // additive, hidden 1: e_j = tanh(z_j), alpha = softmax(e), y = alpha * z.
    ExHead h(1, ExHeadOptions{Attention::Additive, 1});
    set_fc(h);
    h->att_q->weight.zero_();
    h->att_k->weight.fill_(1);
    h->att_v->weight.fill_(1);
    auto y = h->forward(x, p_au);
    double e1 = std::exp(std::tanh(1.0));
    BOOST_TEST(std::abs(y[0][1].item<double>() - e1 / (7 + e1)) < 1e-6);
  }
  {  // none: y = z.
    ExHead h(1, ExHeadOptions{Attention::None, 64});
    set_fc(h);
    BOOST_TEST(h->forward(x, p_au).equal(torch::tensor({0.f, 1.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f}).view({1, 8})));
    BOOST_TEST(h->parameters().size() == 2u);
  }
}

BOOST_AUTO_TEST_CASE(va_head_range) {
  torch::manual_seed(5);
  VaHead h(10);
  auto y = h->forward(10 * torch::randn({32, 10}));
  BOOST_TEST(y.sizes() == torch::IntArrayRef({32, 2}));
  BOOST_TEST(y.abs().max().item<float>() <= 1.f);
}

// ------------------------------------------------------------------------------------ losses
BOOST_AUTO_TEST_CASE(au_loss_value_and_gradient) {
  auto p = torch::tensor({0.8, 0.3}, torch::kFloat64).view({1, 2});
  auto y = torch::tensor({1.0, 0.0}, torch::kFloat64).view({1, 2});
  auto w = torch::tensor({2.0, 0.5}, torch::kFloat64);
  // Hand value: -(1/2) [2 log 0.8 + 0.5 * 0.3 log 0.7].
  double want = -0.5 * (2 * std::log(0.8) + 0.5 * 0.3 * std::log(0.7));
  BOOST_TEST(std::abs(au_loss(p, y, w).item<double>() - want) < 1e-12);
  // Gradient: the stop-gradient weight p of the negative term is a constant, so
  // dL/dp = -(1/2) w [y / p - (1 - y) sg(p) / (1 - p)].
  auto g = autograd_grad([&](const torch::Tensor& q) { return au_loss(q, y, w); }, p);
  BOOST_TEST(std::abs(g[0][0].item<double>() - (-0.5 * 2 / 0.8)) < 1e-12);
  BOOST_TEST(std::abs(g[0][1].item<double>() - (0.5 * 0.5 * 0.3 / 0.7)) < 1e-12);
  // With all labels positive the loss has no stop-gradient term: compare with finite differences.
  auto pr = torch::rand({4, 12}, torch::kFloat64) * 0.8 + 0.1;
  auto ones = torch::ones({4, 12}, torch::kFloat64);
  auto wr = torch::rand({12}, torch::kFloat64) + 0.5;
  auto f = [&](const torch::Tensor& q) { return au_loss(q, ones, wr); };
  BOOST_TEST(max_abs(autograd_grad(f, pr) - fd_grad(f, pr)) < 1e-7);
}

BOOST_AUTO_TEST_CASE(au_weights_from_rates) {
  // Rates 1/2 and 1/4 for the first two AUs, 1/4 (clamped floor 1/4) for the rest.
  auto y = torch::zeros({4, 12});
  y[0][0] = 1;
  y[1][0] = 1;
  y[0][1] = 1;
  auto w = au_weights(y);
  // 1/r: 2, then 4 for the other eleven (rate 0 is clamped to 1/n = 1/4); sum 46.
  BOOST_TEST(std::abs(w[0].item<double>() - 12 * 2.0 / 46) < 1e-6);
  BOOST_TEST(std::abs(w[1].item<double>() - 12 * 4.0 / 46) < 1e-6);
  BOOST_TEST(std::abs(w.sum().item<double>() - 12) < 1e-5);
}

BOOST_AUTO_TEST_CASE(ex_loss_value_and_gradient) {
  auto y = torch::tensor({0, 3, 3, 7}, torch::kInt64);
  auto w = ex_weights(y);
  // n = 4: P_0 = 4 / 8, P_3 = 4 / 16, P_7 = 4 / 8, classes without rows 0.
  BOOST_TEST(w[0].item<float>() == 0.5f);
  BOOST_TEST(w[3].item<float>() == 0.25f);
  BOOST_TEST(w[1].item<float>() == 0.f);
  auto wd = w.to(torch::kFloat64);
  torch::manual_seed(1);
  auto z = torch::randn({4, 8}, torch::kFloat64);
  // Hand value of the authors' mean: (1/4) sum_b P_y CE_b.
  auto lse = torch::logsumexp(z, 1);
  double want = 0, wsum = 0;
  for (int b = 0; b < 4; ++b) {
    int c = static_cast<int>(y[b].item<int64_t>());
    double ce = lse[b].item<double>() - z[b][c].item<double>();
    want += wd[c].item<double>() * ce;
    wsum += wd[c].item<double>();
  }
  BOOST_TEST(std::abs(ex_loss(z, y, wd, LossMean::Authors).item<double>() - want / 4) < 1e-12);
  BOOST_TEST(std::abs(ex_loss(z, y, wd, LossMean::PyTorch).item<double>() - want / wsum) < 1e-12);
  for (LossMean mean : {LossMean::Authors, LossMean::PyTorch}) {
    auto f = [&](const torch::Tensor& q) { return ex_loss(q, y, wd, mean); };
    BOOST_TEST(max_abs(autograd_grad(f, z) - fd_grad(f, z)) < 1e-7);
  }
}

BOOST_AUTO_TEST_CASE(va_loss_value_and_gradient) {
  auto truth = torch::tensor({0.1, 0.5, -0.2, 0.3, 0.4, -0.6, 0.0, 0.2}, torch::kFloat64).view({4, 2});
  // A perfect prediction has loss 0; predicting the negation of a centred series gives CCC -1.
  BOOST_TEST(std::abs(va_loss(truth, truth).item<double>()) < 1e-9);
  // CCC of x = (0, 1) and y = (1, 2) is 1/3 (hand-worked in the metrics test).
  auto a = torch::tensor({0.0, 1.0}, torch::kFloat64), b = torch::tensor({1.0, 2.0}, torch::kFloat64);
  BOOST_TEST(std::abs(ccc_tensor(a, b).item<double>() - 1.0 / 3) < 1e-9);
  torch::manual_seed(2);
  auto pred = torch::rand({4, 2}, torch::kFloat64) * 2 - 1;
  auto f = [&](const torch::Tensor& q) { return va_loss(q, truth); };
  BOOST_TEST(max_abs(autograd_grad(f, pred) - fd_grad(f, pred)) < 1e-6);
}

// -------------------------------------------------------------------------------------- SAM
BOOST_AUTO_TEST_CASE(sam_two_parameter_hand_computed) {
  // f(w) = w1^2 + 2 w2^2 from w = (1, 1); lr 0.1, momentum 0.9, weight decay 0.01, rho 0.05.
  auto w1 = torch::tensor({1.0}, torch::kFloat64).set_requires_grad(true);
  auto w2 = torch::tensor({1.0}, torch::kFloat64).set_requires_grad(true);
  Sam sam({w1, w2}, SamOptions{0.1, 0.9, 0.01, 0.05});
  auto loss = [&] { return (w1 * w1 + 2 * w2 * w2).sum(); };
  // By hand, in doubles.
  double a = 1, b = 1, m1 = 0, m2 = 0;
  for (int step = 0; step < 2; ++step) {
    const double loss_at_w = a * a + 2 * b * b;
    double g1 = 2 * a, g2 = 4 * b, norm = std::sqrt(g1 * g1 + g2 * g2);
    double e1 = 0.05 * g1 / norm, e2 = 0.05 * g2 / norm;
    double h1 = 2 * (a + e1), h2 = 4 * (b + e2);  // gradient at w + e
    double d1 = h1 + 0.01 * a, d2 = h2 + 0.01 * b;  // weight decay at w
    m1 = step == 0 ? d1 : 0.9 * m1 + d1;
    m2 = step == 0 ? d2 : 0.9 * m2 + d2;
    a -= 0.1 * m1;
    b -= 0.1 * m2;
    double reported = sam.step(loss).item<double>();
    BOOST_TEST(std::abs(w1.item<double>() - a) < 1e-12);
    BOOST_TEST(std::abs(w2.item<double>() - b) < 1e-12);
    BOOST_TEST(std::abs(reported - loss_at_w) < 1e-12);
  }
  // After the first step: w = (1 - 0.1 * (2.0447214 + 0.01), 1 - 0.1 * (4.1788854 + 0.01)).
  BOOST_TEST(std::abs((1 - 0.1 * (2 * (1 + 0.05 * 2 / std::sqrt(20.0)) + 0.01)) - 0.79452786) < 1e-7);
}

#include "mtl/model/task_head.h"

// A prediction line takes the expression class from the logits: two logits 1.9e-10 and 3.8e-9 round
// to the same float32 probability, and the class is the larger logit (5), as in score(), not the
// first of the tied probabilities (0). The AU decision is taken on the raw output too.
BOOST_AUTO_TEST_CASE(prediction_lines_decide_on_logits) {
  auto ex = mtl::make_head(mtl::Task::EX, 4, mtl::HeadOptions{});
  const float out[8] = {1.9e-10f, -2.17f, -1.86f, -0.20f, -4.86f, 3.8e-9f, -2.04f, -0.31f};
  auto pred = torch::softmax(torch::from_blob(const_cast<float*>(out), {1, 8}), 1).contiguous();
  const float* p = pred.data_ptr<float>();
  BOOST_REQUIRE_EQUAL(p[0], p[5]);  // the tie this test is about
  mtl::Prediction line;
  ex->fill(out, p, line);
  BOOST_CHECK_EQUAL(line.ex.value(), 5);
  BOOST_CHECK_CLOSE(line.ex_prob.value()[5], p[5], 1e-6);
}

// ------------------------------------------------------------------------------------ TorchScript
// Each head kind's script_forward(), compiled over its own weights (script_head), gives its
// LibTorch forward in evaluation mode: mtl-export's model computes what mtl-predict computes.
#include "mtl/model/script_head.h"
#include "mtl/model/task_head.h"

BOOST_AUTO_TEST_CASE(script_forward_equals_the_module) {
  torch::manual_seed(11);
  struct Case {
    Task task;
    HeadOptions o;
    const char* what;
  };
  std::vector<Case> cases;
  HeadOptions au;
  au.au.node_dim = 8;
  au.au.k = 3;
  cases.push_back({Task::AU, au, "au, node-dim 8, k 3"});
  cases.push_back({Task::AU, HeadOptions{}, "au, defaults"});
  for (Attention a : {Attention::Paper, Attention::Additive, Attention::None}) {
    HeadOptions ex;
    ex.ex.attention = a;
    ex.ex.attention_hidden = 5;
    cases.push_back({Task::EX, ex, attention_name(a)});
  }
  cases.push_back({Task::VA, HeadOptions{}, "va"});
  const int in_dim = 20, batch = 7;
  for (const auto& c : cases) {
    auto head = make_head(c.task, in_dim, c.o);
    // Batch statistics that are not the initial 0 and 1: a few training passes.
    head->module().train();
    UpstreamOutputs up;
    const auto p_au = torch::rand({batch, kNumAU});
    if (!head->needs().empty()) up[Task::AU] = p_au;
    for (int i = 0; i < 3; ++i) head->forward(torch::randn({batch, in_dim}) * 2 + 1, up);
    head->module().eval();
    torch::NoGradGuard ng;
    const auto x = torch::randn({batch, in_dim});
    const auto want = head->forward(x, up);
    auto cu = std::make_shared<torch::jit::CompilationUnit>();
    auto scripted = script_head(*head, "test_head", cu);
    std::vector<c10::IValue> in{x};
    if (!head->needs().empty()) in.push_back(p_au);
    const auto got = scripted.forward(in).toTensor();
    BOOST_TEST_CONTEXT(c.what) {
      BOOST_TEST(got.sizes() == want.sizes());
      BOOST_TEST(max_abs(got - want) < 1e-6);
    }
  }
}

// The head kinds and their settings are listed in two places (head_kinds() with LibTorch,
// head_settings() without, for the checkpoint metadata): the same kinds, the same tasks, the same
// default per task, and each kind pointing at the settings listed under its name.
BOOST_AUTO_TEST_CASE(head_kinds_and_their_settings_agree) {
  for (const HeadKind* k : head_kinds()) {
    BOOST_TEST_CONTEXT(k->name) {
      BOOST_TEST(head_settings(k->task, k->name) == &k->settings());
      for (Task other : kAllTasks)
        if (other != k->task) BOOST_TEST(!head_settings(other, k->name));
    }
  }
  for (Task t : kAllTasks) BOOST_TEST(head_settings(t, "") == &default_head_kind(t).settings());
  BOOST_TEST(!head_settings(Task::AU, "no-such-kind"));
}

// ------------------------------------------------------------------------------ temporal heads
// --context 0 makes the task's own kind; --context T its temporal kind, which starts as the
// per-frame head: its output projection is zero, and its task head is built first, from the same
// random draws. So an untrained temporal head's output for a window is the per-frame head's for
// the centre frame, whatever the other frames hold, for every encoder.
BOOST_AUTO_TEST_CASE(untrained_temporal_head_is_its_per_frame_head) {
  for (Task task : kAllTasks)
    for (auto enc : {TemporalEncoder::Conv, TemporalEncoder::Gru, TemporalEncoder::Transformer}) {
      BOOST_TEST_CONTEXT(task_name(task) << " " << temporal_encoder_name(enc)) {
        HeadOptions o;
        o.au.node_dim = 8;
        o.ex.attention = Attention::None;
        torch::manual_seed(5);
        auto frame = make_head(task, 16, o);
        BOOST_TEST(frame->context() == 0);
        BOOST_TEST(frame->kind().name == default_head_kind(task).name);
        o.temporal.context = 3;
        o.temporal.encoder = enc;
        o.temporal.width = 8;
        o.temporal.heads = 2;
        torch::manual_seed(5);
        auto temporal = make_head(task, 16, o);
        BOOST_TEST(temporal->context() == 3);
        BOOST_TEST(temporal->kind().name == head_kind_name(task, o));
        frame->module().eval();
        temporal->module().eval();
        torch::NoGradGuard ng;
        auto x = torch::randn({5, 7, 16});
        auto mask = torch::ones({5, 7});
        mask.index_put_({0, 0}, 0);
        mask.index_put_({1, 6}, 0);
        x = x * mask.unsqueeze(-1);
        auto want = frame->forward(x.select(1, 3), {});
        BOOST_TEST(max_abs(temporal->forward_window(x, mask, {}) - want) == 0.0);
        BOOST_TEST(max_abs(temporal->forward(x.select(1, 3), {}) - want) == 0.0);  // a window of one frame
        // A wider window is cut to the head's own 2T+1 frames in its middle; a narrower one padded.
        auto wide = torch::constant_pad_nd(x, {0, 0, 2, 2}), wide_mask = torch::constant_pad_nd(mask, {2, 2});
        BOOST_TEST(max_abs(temporal->forward_window(wide, wide_mask, {}) - want) == 0.0);
        BOOST_TEST(max_abs(frame->forward_window(wide, wide_mask, {}) - want) == 0.0);
      }
    }
}

// Once the output projection is not zero, the encoder reads the window: the other frames change
// the output, a missing frame's values do not (its mask is 0), and gradients reach every encoder
// parameter.
BOOST_AUTO_TEST_CASE(temporal_head_reads_the_window_and_ignores_missing_frames) {
  for (auto enc : {TemporalEncoder::Conv, TemporalEncoder::Gru, TemporalEncoder::Transformer}) {
    BOOST_TEST_CONTEXT(temporal_encoder_name(enc)) {
      HeadOptions o;
      o.temporal.context = 2;
      o.temporal.encoder = enc;
      o.temporal.width = 8;
      o.temporal.heads = 2;
      torch::manual_seed(3);
      auto head = make_head(Task::VA, 6, o);
      head->module().eval();
      {
        torch::NoGradGuard ng;
        for (auto& p : head->module().named_parameters())
          if (p.key().find("out_fc") != std::string::npos) p.value().normal_(0, 0.5);
      }
      auto x = torch::randn({4, 5, 6});
      auto mask = torch::ones({4, 5});
      mask.index_put_({torch::indexing::Slice(), 4}, 0);
      auto base = head->forward_window(x * mask.unsqueeze(-1), mask, {});
      auto other = x.clone();
      other.index_put_({torch::indexing::Slice(), 1}, torch::randn({4, 6}));
      BOOST_TEST(max_abs(head->forward_window(other * mask.unsqueeze(-1), mask, {}) - base) > 1e-4);
      // The missing frame's features: for conv and transformer they are never read; the GRU reads
      // the zeros that gather_windows leaves there, so a caller must zero them (as it does).
      auto junk = x * mask.unsqueeze(-1);
      if (enc != TemporalEncoder::Gru) {
        junk.index_put_({torch::indexing::Slice(), 4}, 100.0);
        BOOST_TEST(max_abs(head->forward_window(junk, mask, {}) - base) < 1e-6);
      }
      head->module().train();
      head->forward_window(x * mask.unsqueeze(-1), mask, {}).sum().backward();
      for (auto& p : head->module().named_parameters())
        if (p.key().rfind("encoder.", 0) == 0 && p.key().find("position") == std::string::npos)
          BOOST_TEST_CONTEXT(p.key()) { BOOST_TEST(p.value().grad().defined()); }
    }
  }
}

BOOST_AUTO_TEST_CASE(temporal_settings_are_checked) {
  TemporalOptions t;
  t.context = -1;
  BOOST_CHECK_THROW(t.check(), std::invalid_argument);
  t.context = kMaxContext + 1;
  BOOST_CHECK_THROW(t.check(), std::invalid_argument);
  t.context = 4;
  t.encoder = TemporalEncoder::Gru;
  t.width = 7;
  BOOST_CHECK_THROW(t.check(), std::invalid_argument);
  t.encoder = TemporalEncoder::Transformer;
  t.width = 8;
  t.heads = 3;
  BOOST_CHECK_THROW(t.check(), std::invalid_argument);
  t.encoder = TemporalEncoder::Conv;
  BOOST_CHECK_NO_THROW(t.check());
  BOOST_TEST(t.resolved().depth == 3);  // dilations 1, 2, 4 see 7 frames each side: T = 4 needs 3
  t.context = 3;
  BOOST_TEST(t.resolved().depth == 2);
  t.encoder = TemporalEncoder::Gru;
  t.width = 8;
  BOOST_TEST(t.resolved().depth == 1);
}

// The temporal kinds' script (the encoder's, then the task head's) gives forward_window, for each
// encoder, on windows as wide as the head's, wider, and narrower, with frames missing.
BOOST_AUTO_TEST_CASE(temporal_script_forward_equals_the_module) {
  torch::manual_seed(13);
  for (Task task : kAllTasks)
    for (auto enc : {TemporalEncoder::Conv, TemporalEncoder::Gru, TemporalEncoder::Transformer}) {
      HeadOptions o;
      o.au.node_dim = 8;
      o.ex.attention = Attention::Additive;
      o.temporal.context = 3;
      o.temporal.encoder = enc;
      o.temporal.width = 12;
      o.temporal.heads = 3;
      o.temporal.depth = 2;
      auto head = make_head(task, 10, o);
      UpstreamOutputs up;
      const auto p_au = torch::rand({5, kNumAU});
      if (!head->needs().empty()) up[Task::AU] = p_au;
      head->module().train();
      for (int i = 0; i < 2; ++i) head->forward_window(torch::randn({5, 7, 10}), torch::ones({5, 7}), up);
      {  // an output projection that is not zero, so that the encoder counts
        torch::NoGradGuard ng;
        for (auto& p : head->module().named_parameters())
          if (p.key().find("out_fc") != std::string::npos) p.value().normal_(0, 0.3);
      }
      head->module().eval();
      torch::NoGradGuard ng;
      auto cu = std::make_shared<torch::jit::CompilationUnit>();
      auto scripted = script_head(*head, "temporal_head", cu);
      for (int64_t width : {7, 11, 3}) {
        BOOST_TEST_CONTEXT(task_name(task) << " " << temporal_encoder_name(enc) << ", window " << width) {
          auto mask = torch::ones({5, width});
          mask.index_put_({0, 0}, 0);
          mask.index_put_({1, width - 1}, 0);
          mask.index_put_({2, width / 2 + 1}, 0);
          const auto x = torch::randn({5, width, 10}) * mask.unsqueeze(-1);
          const auto want = head->forward_window(x, mask, up);
          std::vector<c10::IValue> in{x, mask};
          if (!head->needs().empty()) in.push_back(p_au);
          const auto got = scripted.forward(in).toTensor();
          BOOST_TEST(got.sizes() == want.sizes());
          BOOST_TEST(max_abs(got - want) < 1e-5);
        }
      }
    }
}
