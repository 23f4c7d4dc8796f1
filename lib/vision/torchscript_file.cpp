// Messages about TorchScript files that cannot be loaded or run.
#include "torchscript_file.h"

#include <torch/script.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "mtl/core/error.h"

namespace mtl {

std::string first_line(const std::exception& e) {
  const auto* c10 = dynamic_cast<const c10::Error*>(&e);
  const std::string msg = c10 ? c10->what_without_backtrace() : e.what();
  std::string named;
  for (size_t at = 0; at < msg.size();) {
    size_t nl = msg.find('\n', at);
    if (nl == std::string::npos) nl = msg.size();
    const std::string line = msg.substr(at, nl - at);
    const size_t colon = line.find("Error: ");
    if (colon != std::string::npos && line.find(' ') > colon) named = line;
    at = nl + 1;
  }
  return named.empty() ? msg.substr(0, msg.find('\n')) : named;
}

// TorchScript archives are zip files holding the module's code (a "code/" folder); torch.save
// writes a zip without code/ (PyTorch 1.6 on) or a bare pickle (older; starts with 0x80).
std::string not_torchscript(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::string head(4, '\0');
  if (!f.read(&head[0], 4)) return "not a TorchScript file (too short)";
  if (static_cast<unsigned char>(head[0]) == 0x80) return "a pickled model or state dict (torch.save), not TorchScript";
  if (head != std::string("PK\x03\x04", 4)) return "not a TorchScript file (not a zip archive)";
  // The member names sit in the central directory at the end; a bounded tail holds them for any
  // model with a few thousand members.
  f.seekg(0, std::ios::end);
  const std::streamoff size = f.tellg(), tail = std::min<std::streamoff>(size, 4 << 20);
  std::string names(static_cast<size_t>(tail), '\0');
  f.seekg(size - tail);
  f.read(&names[0], tail);
  if (names.find("/code/") != std::string::npos) return "";
  if (names.find("data.pkl") != std::string::npos)
    return "a model or state dict saved with torch.save (a zip without TorchScript code), not TorchScript";
  return "not a TorchScript file (a zip archive without TorchScript code)";
}

torch::jit::Module load_torchscript(const std::string& path, const torch::Device& device, const std::string& record_name,
                                    std::string& record, const std::string& what, const std::string& hint) {
  if (!std::ifstream(path)) throw InputError(path + ": cannot open: " + std::strerror(errno));
  torch::jit::ExtraFilesMap extra{{record_name, ""}};
  torch::jit::Module m;
  try {
    m = torch::jit::load(path, device, extra);
  } catch (const std::exception& e) {
    const std::string why = std::ifstream(path) ? not_torchscript(path) : "";
    if (!why.empty()) throw InputError(path + ": " + why + hint);
    throw InputError(path + ": cannot load TorchScript " + what + ": " + first_line(e));
  }
  record = extra[record_name];
  return m;
}

}  // namespace mtl
