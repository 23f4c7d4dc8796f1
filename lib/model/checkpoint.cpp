// Saving and loading head checkpoints.
#include "mtl/model/checkpoint.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "mtl/core/atomic_file.h"
#include "mtl/core/checksum.h"
#include "mtl/core/error.h"

namespace mtl {
namespace {

std::string first_line(const c10::Error& e) {
  std::string msg = e.what_without_backtrace();
  return msg.substr(0, msg.find('\n'));
}

}  // namespace

std::string weights_sha256(torch::nn::Module& m) {
  Sha256 h;
  auto add = [&](const std::string& name, const torch::Tensor& t) {
    const auto c = t.detach().to(torch::kCPU).contiguous();
    h.update(name.data(), name.size() + 1);
    const auto sizes = c.sizes().vec();
    h.update(sizes.data(), sizes.size() * sizeof(int64_t));
    h.update(c.data_ptr(), c.numel() * c.element_size());
  };
  for (const auto& p : m.named_parameters()) add(p.key(), p.value());
  for (const auto& b : m.named_buffers()) add(b.key(), b.value());
  return h.hex();
}

bool weights_finite(torch::nn::Module& m) {
  torch::NoGradGuard ng;
  for (const auto& p : m.parameters())
    if (p.is_floating_point() && !torch::isfinite(p).all().item<bool>()) return false;
  for (const auto& b : m.buffers())
    if (b.is_floating_point() && !torch::isfinite(b).all().item<bool>()) return false;
  return true;
}

namespace {

// The archive's bytes written to `file` through a writer function, so that the archive's inner
// name does not depend on the file name: same training, same bytes.
void write_archive_file(torch::serialize::OutputArchive& archive, const std::string& file);

torch::serialize::OutputArchive checkpoint_archive(const std::string& path, TaskHead& head, const CheckpointMeta& meta) {
  if (!weights_finite(head.module()))
    throw NotFinite(path + ": not written: the head's weights hold NaN or infinity (training diverged)");
  CheckpointMeta signed_meta = meta;
  signed_meta.weights_sha256 = weights_sha256(head.module());
  torch::serialize::OutputArchive archive;
  try {
    head.module().save(archive);
    archive.write("metadata", c10::IValue(signed_meta.to_json()));
  } catch (const c10::Error& e) {
    throw OutputError(path + ": cannot write checkpoint: " + first_line(e));
  }
  return archive;
}

void write_archive_file(torch::serialize::OutputArchive& archive, const std::string& tmp) {
  write_through(tmp, [&](const ByteSink& sink) {
    try {
      archive.save_to([&](const void* data, size_t n) -> size_t {
        sink(data, n);
        return n;  // every count accepted (see ByteSink); a failed write is thrown after
      });
    } catch (const c10::Error& e) {
      throw OutputError(tmp + ": cannot write: " + first_line(e));
    }
  });
}

}  // namespace

void save_checkpoint(const std::string& path, TaskHead& head, const CheckpointMeta& meta) {
  stage_checkpoint(path, head, meta)->commit();
}

std::unique_ptr<AtomicFile> stage_checkpoint(const std::string& path, TaskHead& head, const CheckpointMeta& meta) {
  auto archive = checkpoint_archive(path, head, meta);
  auto file = std::make_unique<AtomicFile>(resolve_links(path), AtomicFile::Temp::Unique);
  write_archive_file(archive, file->temp_path());
  return file;
}

void write_archive(torch::serialize::OutputArchive& archive, const std::string& path) {
  write_atomically(path, [&](const std::string& tmp) { write_archive_file(archive, tmp); });
}

LoadedHead load_checkpoint(const std::string& path, std::optional<Task> expect) {
  if (!std::ifstream(path)) throw InputError(path + ": cannot open: " + std::strerror(errno));
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const c10::Error& e) {
    throw InputError(path + ": cannot open checkpoint: " + first_line(e));
  }
  c10::IValue iv;
  if (!archive.try_read("metadata", iv) || !iv.isString())
    throw InputError(path + ": not an mtl-toolkit checkpoint (no metadata)");
  LoadedHead h;
  h.path = path;
  h.meta = CheckpointMeta::from_json(iv.toStringRef(), path);
  if (expect && h.meta.task != *expect)
    throw InputError(path + ": a checkpoint of the " + task_name(h.meta.task) + " head, not of the " +
                     task_name(*expect) + " head");
  const HeadKind* kind = h.meta.head_kind.empty() ? &default_head_kind(h.meta.task) : find_head_kind(h.meta.head_kind);
  if (!kind)
    throw InputError(path + ": a head of a kind this toolkit does not know, '" + h.meta.head_kind +
                     "' (written by a newer toolkit?)");
  if (kind->task != h.meta.task)
    throw InputError(path + ": its head kind '" + h.meta.head_kind + "' is of the " + task_name(kind->task) +
                     " task, not of the " + task_name(h.meta.task) + " task its metadata names");
  try {
    h.head = kind->make(h.meta.in_dim, h.meta.head);
    h.head->module().load(archive);
  } catch (const c10::Error& e) {
    throw InputError(path + ": cannot load the " + std::string(task_name(h.meta.task)) + " head: " + first_line(e));
  } catch (const std::invalid_argument& e) {
    throw InputError(path + ": bad value in the checkpoint metadata: " + e.what());
  }
  // The archive's own CRCs are not checked when it is read: the weights carry a SHA-256.
  if (!h.meta.weights_sha256.empty() && weights_sha256(h.head->module()) != h.meta.weights_sha256)
    throw InputError(path + ": the weights do not match their checksum (the file is damaged)");
  if (!weights_finite(h.head->module())) throw InputError(path + ": the weights hold NaN or infinity");
  h.head->module().eval();
  return h;
}

}  // namespace mtl
