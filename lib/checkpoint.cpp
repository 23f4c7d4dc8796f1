// Saving and loading head checkpoints.
#include "mtl/checkpoint.h"

#include <cstdio>
#include <cstring>
#include <fstream>

#include "mtl/error.h"

namespace mtl {

torch::nn::Module& HeadCheckpoint::module() {
  if (au) return *au;
  if (ex) return *ex;
  return *va;
}

HeadCheckpoint build_head(const std::string& task, const nlohmann::json& m) {
  HeadCheckpoint h;
  h.task = task;
  h.meta = m;
  const int in_dim = m.at("in_dim").get<int>();
  if (task == "au") {
    AuHeadOptions o;
    o.in_dim = in_dim;
    o.node_dim = m.at("node_dim").get<int>();
    o.k = m.at("k").get<int>();
    o.dropout = m.at("dropout").get<double>();
    o.node_init_std = m.value("node_init_std", 0.0);
    h.au = AuHead(o);
  } else if (task == "ex") {
    ExHeadOptions o;
    o.in_dim = in_dim;
    o.attention = parse_attention(m.at("attention").get<std::string>());
    o.hidden = m.value("attention_hidden", 64);
    h.ex = ExHead(o);
  } else if (task == "va") {
    h.va = VaHead(in_dim);
  } else {
    throw std::invalid_argument("unknown task '" + task + "'");
  }
  return h;
}

void save_checkpoint(const std::string& path, torch::nn::Module& head, const nlohmann::json& meta) {
  const std::string tmp = path + ".part";
  try {
    torch::serialize::OutputArchive archive;
    head.save(archive);
    archive.write("metadata", c10::IValue(meta.dump()));
    // Written through a writer function rather than to the path, so that the archive's inner
    // name does not depend on the file name: same training, same bytes.
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw OutputError(tmp + ": cannot create: " + std::strerror(errno));
    archive.save_to([&](const void* data, size_t n) -> size_t {
      out.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
      return out ? n : 0;
    });
    out.close();
    if (!out) throw OutputError(tmp + ": cannot write (disk full?)");
  } catch (const OutputError&) {
    std::remove(tmp.c_str());
    throw;
  } catch (const c10::Error& e) {
    std::remove(tmp.c_str());
    std::string msg = e.what_without_backtrace();
    throw OutputError(path + ": cannot write checkpoint: " + msg.substr(0, msg.find('\n')));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw OutputError(path + ": cannot rename " + tmp + " into place: " + std::strerror(errno));
  }
}

HeadCheckpoint load_checkpoint(const std::string& path, const std::string& expect_task) {
  if (!std::ifstream(path)) throw InputError(path + ": cannot open: " + std::strerror(errno));
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const c10::Error& e) {
    std::string msg = e.what_without_backtrace();
    throw InputError(path + ": cannot open checkpoint: " + msg.substr(0, msg.find('\n')));
  }
  c10::IValue iv;
  if (!archive.try_read("metadata", iv) || !iv.isString())
    throw InputError(path + ": not an mtl-toolkit checkpoint (no metadata)");
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(iv.toStringRef());
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path + ": checkpoint metadata is not valid JSON");
  }
  if (meta.value("format", "") != "mtl-checkpoint")
    throw InputError(path + ": not an mtl-toolkit checkpoint");
  if (meta.value("format_version", 0) != kCheckpointFormatVersion)
    throw InputError(path + ": checkpoint format version " + std::to_string(meta.value("format_version", 0)) +
                     " is not supported (this toolkit reads version " + std::to_string(kCheckpointFormatVersion) + ")");
  const std::string task = meta.value("task", "");
  if (!expect_task.empty() && task != expect_task)
    throw InputError(path + ": a checkpoint of the " + task + " head, not of the " + expect_task + " head");
  HeadCheckpoint h;
  try {
    h = build_head(task, meta);
    h.module().load(archive);
  } catch (const c10::Error& e) {
    std::string msg = e.what_without_backtrace();
    throw InputError(path + ": cannot load the " + task + " head: " + msg.substr(0, msg.find('\n')));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path + ": incomplete checkpoint metadata: " + e.what());
  }
  h.module().eval();
  return h;
}

torch::Tensor head_input(const FeatureRows& rows, bool with_logits, int in_dim, const std::string& source,
                         const std::string& checkpoint) {
  const int64_t n = static_cast<int64_t>(rows.size());
  const int have = rows.dim + (with_logits ? rows.logits_dim : 0);
  if (with_logits && rows.logits_dim == 0)
    throw InputError(checkpoint + " was trained on features with the backbone's logits appended, but " + source +
                     " holds no logits");
  if (have != in_dim)
    throw InputError(checkpoint + " expects " + std::to_string(in_dim) + " input values per image, but " + source +
                     " gives " + std::to_string(have) + " (" + std::to_string(rows.dim) + " features" +
                     (with_logits ? " + " + std::to_string(rows.logits_dim) + " logits" : std::string()) + ")");
  auto f = torch::from_blob(const_cast<float*>(rows.features.data()), {n, rows.dim}, torch::kFloat32);
  if (!with_logits) return f.clone();
  auto l = torch::from_blob(const_cast<float*>(rows.logits.data()), {n, rows.logits_dim}, torch::kFloat32);
  return torch::cat({f, l}, 1);
}

}  // namespace mtl
