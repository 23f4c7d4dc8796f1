#!/usr/bin/env python3
"""Converts an HSEmotion / EmotiEffLib EfficientNet into the TorchScript backbone that mtl-extract
runs: it takes a float batch [B,3,S,S] (RGB, scaled to [0,1], ImageNet-normalised) and returns
(features [B,D], logits [B,L]). The input size, normalisation, feature and logit counts and the
source's SHA-256 are recorded inside the output (its extra file mtl_backbone.json), and mtl-extract
takes its --size from there.

Accepted inputs:
  - a whole pickled timm model, as HSEmotion saves them (enet_b0_8_best_vgaf.pt, enet_b2_8.pt);
    reading one runs code from the file, so only with --sha256 or --allow-unsafe-unpickle;
  - a TorchScript model, as EmotiEffLib prepares them for its C++ library: the whole scripted model
    (its forward gives logits only; features are taken before its classifier), or its feature
    extractor (features_extractor_*.pt) with --classifier classifier_*.pt;
  - a state dict, with --arch naming the timm architecture (e.g. efficientnet_b0).

Needs PyTorch 1.13 or later, and for pickled models and state dicts timm 0.9.x (HSEmotion's and
EmotiEffLib's models unpickle into timm 0.9 classes): pip install timm==0.9.16.

Exit status: 0 converted, 2 usage error, 3 a problem with the input file, 1 anything else.
"""
import argparse
import hashlib
import json
import os
import sys
import zipfile

PROG = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "convert_hsemotion.py"
TIMM_PIN = "0.9.16"  # the version the toolkit tests; HSEmotion and EmotiEffLib need 0.9.x
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
SIZE_BY_FEATURES = {1280: 224, 1408: 260}  # EfficientNet-B0 and -B2 as HSEmotion trained them
MAX_LOGITS_ONLY = 16  # mtl-extract's limit: at most this many outputs read as logits, not features


class Failure(Exception):
    def __init__(self, message, code=1):
        super().__init__(message)
        self.code = code


def input_error(message):
    return Failure(message, 3)


def need_torch():
    try:
        import torch
    except ImportError:
        raise Failure("needs PyTorch 1.13 or later (Debian: python3-torch; or pip install torch)")
    major, minor = (int(v) for v in torch.__version__.split(".")[:2])
    if (major, minor) < (1, 13):
        raise Failure(f"needs PyTorch 1.13 or later (torch.load's weights_only); this is {torch.__version__}")
    return torch


def need_timm(why):
    try:
        import timm
    except ImportError:
        raise Failure(f"{why} needs timm 0.9.x, which is not installed: pip install timm=={TIMM_PIN}")
    if not timm.__version__.startswith("0.9."):
        raise Failure(f"{why} needs timm 0.9.x (HSEmotion's and EmotiEffLib's models are timm 0.9 models); "
                      f"this is timm {timm.__version__}: pip install timm=={TIMM_PIN}")
    return timm


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def is_torchscript(path):
    """A TorchScript archive is a zip holding the module's code (a code/ folder)."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as z:
        return any("/code/" in n or n.startswith("code/") for n in z.namelist())


def load_pickled(torch, path, digest, a):
    """The checkpoint through torch.load: weights only when it can, else (a whole model) full unpickling."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True), "state dict"
    except Exception:  # a whole pickled model: weights_only refuses its classes
        pass
    if a.sha256 is not None and a.sha256.lower() != digest:
        raise input_error(f"{path}: SHA-256 {digest} is not the expected {a.sha256}: not unpickled")
    if a.sha256 is None and not a.allow_unsafe_unpickle:
        raise Failure(f"{path}: a pickled model, and unpickling runs code from the file. Compare its SHA-256 "
                      f"({digest}) with the published one, then rerun with --sha256 {digest} "
                      f"(or --allow-unsafe-unpickle)", 2)
    need_timm("unpickling an HSEmotion model")
    try:
        return torch.load(path, map_location="cpu", weights_only=False), "pickled model"
    except Exception as e:
        raise input_error(f"{path}: cannot unpickle: {type(e).__name__}: {e}")


def from_state_dict(torch, sd, a, path):
    """A timm model of architecture --arch holding the state dict's weights."""
    if not a.arch:
        raise Failure(f"{path}: a state dict, not a whole model: give its timm architecture with --arch "
                      f"(e.g. efficientnet_b0)", 2)
    timm = need_timm("--arch")
    if isinstance(sd, dict) and isinstance(sd.get("state_dict"), dict):
        sd = sd["state_dict"]
    if not isinstance(sd, dict) or not all(torch.is_tensor(v) for v in sd.values()):
        raise input_error(f"{path}: neither a model nor a state dict of tensors")
    # HSEmotion's heads are nn.Sequential(nn.Linear): their keys carry a ".0".
    sd = {k.replace("classifier.0.", "classifier."): v for k, v in sd.items()}
    if "classifier.weight" not in sd:
        raise input_error(f"{path}: no classifier.weight in the state dict: not a timm EfficientNet")
    model = timm.create_model(a.arch, pretrained=False, num_classes=sd["classifier.weight"].shape[0])
    try:
        model.load_state_dict(sd, strict=True)
    except RuntimeError as e:
        raise input_error(f"{path}: does not fit timm's {a.arch}: {str(e).splitlines()[0]}")
    return model


def eager_wrapper(torch, model, path):
    """(features, logits) of a timm model: features are the classifier's input (pooled, pre-logits)."""
    if not all(hasattr(model, n) for n in ("forward_features", "forward_head", "get_classifier")):
        raise input_error(f"{path}: {type(model).__name__} is not a timm 0.9 model (no forward_head)")

    class FeaturesAndLogits(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.model = m
            self.classifier = m.get_classifier()

        def forward(self, x):
            f = self.model.forward_head(self.model.forward_features(x), pre_logits=True)
            return f, self.classifier(f)

    return FeaturesAndLogits(model), model


def scripted_wrapper(torch, m, a, path):
    """(features, logits) of a TorchScript model: a whole scripted timm model, or a feature extractor
    with --classifier. Returns the wrapper and a reference whose output the logits must equal."""
    children = dict(m.named_children())
    head = children.get("classifier")
    whole = head is not None and getattr(head, "original_name", "") != "Identity"  # not an extractor
    if a.classifier is None and whole and hasattr(m, "forward_features") and hasattr(m, "forward_head"):

        class ScriptedFeaturesAndLogits(torch.nn.Module):
            def __init__(self, s):
                super().__init__()
                self.model = s

            def forward(self, x):
                f = self.model.forward_head(self.model.forward_features(x), True)
                return f, self.model.classifier(f)

        return ScriptedFeaturesAndLogits(m), m
    if a.classifier is None:
        return None, None
    try:
        head = torch.jit.load(a.classifier, map_location="cpu").eval()
    except Exception as e:
        raise input_error(f"{a.classifier}: cannot load TorchScript: {str(e).splitlines()[0]}")

    class ExtractorAndClassifier(torch.nn.Module):
        def __init__(self, body, cls):
            super().__init__()
            self.body = body
            self.cls = cls

        def forward(self, x):
            f = self.body(x)
            return f, self.cls(f)

    return ExtractorAndClassifier(m, head), None


def load_model(torch, a, digest):
    """The module to trace (returning (features, logits), or features only) and its reference model."""
    path = a.checkpoint
    if is_torchscript(path):
        try:
            m = torch.jit.load(path, map_location="cpu").eval()
        except Exception as e:
            raise input_error(f"{path}: cannot load TorchScript: {str(e).splitlines()[0]}")
        wrapped, ref = scripted_wrapper(torch, m, a, path)
        return (wrapped if wrapped is not None else m), ref, "TorchScript"
    if a.classifier is not None:
        raise Failure("--classifier goes with a TorchScript feature extractor, not a pickled checkpoint", 2)
    obj, kind = load_pickled(torch, path, digest, a)
    if kind == "state dict" or isinstance(obj, dict):
        obj, kind = from_state_dict(torch, obj, a, path), "state dict"
    if not isinstance(obj, torch.nn.Module):
        raise input_error(f"{path}: holds a {type(obj).__name__}, not a model")
    wrapped, ref = eager_wrapper(torch, obj.eval(), path)
    return wrapped, ref, kind


def split(out):
    return (out[0], out[1]) if isinstance(out, (tuple, list)) else (out, None)


def choose_size(torch, model, a):
    """--size, else the size HSEmotion trained at for the feature count (B0 224, B2 260)."""
    if a.size:
        return a.size
    with torch.no_grad():
        f, _ = split(model(torch.zeros(1, 3, 224, 224)))
    if f.dim() == 2 and f.shape[1] in SIZE_BY_FEATURES:
        return SIZE_BY_FEATURES[f.shape[1]]
    raise Failure(f"{a.checkpoint}: {tuple(f.shape)} features: not EfficientNet-B0 or B2; give --size", 2)


def check_outputs(torch, traced, model, ref, size, path):
    """The traced module's outputs against the eager ones (and the logits against the model's own
    output) on a random batch; returns (features, logits) widths."""
    x = torch.rand(3, 3, size, size)
    with torch.no_grad():
        f, l = split(traced(x))
        f0, l0 = split(model(x))
        want = ref(x) if ref is not None else l0
    if f.dim() != 2 or f.shape[0] != 3:
        raise input_error(f"{path}: the model gives {tuple(f.shape)} per batch of 3, not [3,D] features")
    if f.shape[1] <= MAX_LOGITS_ONLY:
        raise input_error(f"{path}: the model gives {f.shape[1]} values per image: class logits, not features; "
                          f"give EmotiEffLib's features_extractor_*.pt with --classifier classifier_*.pt")
    worst = float((f - f0).abs().max())
    if l is not None:
        worst = max(worst, float((l - want).abs().max()))
    if worst > 1e-4:
        raise Failure(f"{path}: the traced backbone differs from the model by {worst:g}")
    return f.shape[1], (l.shape[1] if l is not None else 0), worst


def save(torch, traced, out, record):
    part = out + ".part"
    torch.jit.save(traced, part, _extra_files={"mtl_backbone.json": json.dumps(record, indent=1)})
    os.replace(part, out)


def parse_args():
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint", help="pickled model, TorchScript file or state dict")
    ap.add_argument("output", help="TorchScript backbone to write")
    ap.add_argument("--size", type=int, help="input size S (default: 224 for B0, 260 for B2, by feature count)")
    ap.add_argument("--sha256", metavar="HEX", help="unpickle a pickled model only if its SHA-256 is HEX")
    ap.add_argument("--allow-unsafe-unpickle", action="store_true",
                    help="unpickle a pickled model without a checksum: runs any code the file holds")
    ap.add_argument("--arch", help="timm architecture of a state dict (e.g. efficientnet_b0, efficientnet_b2)")
    ap.add_argument("--classifier", metavar="TS.pt", help="TorchScript classifier of a scripted feature extractor")
    a = ap.parse_args()
    if a.size is not None and not 0 < a.size <= 2048:
        ap.error(f"--size must be in 1-2048, not {a.size}")
    return a


def convert(a):
    torch = need_torch()
    if not os.path.isfile(a.checkpoint):
        raise input_error(f"{a.checkpoint}: no such file")
    digest = sha256_of(a.checkpoint)
    print(f"{a.checkpoint}: SHA-256 {digest}", file=sys.stderr)
    model, ref, kind = load_model(torch, a, digest)
    size = choose_size(torch, model, a)
    if isinstance(model, torch.jit.ScriptModule):  # a feature extractor as it is
        traced = model
    else:
        with torch.no_grad():
            traced = torch.jit.trace(model, torch.rand(2, 3, size, size), check_trace=False)
    d, l, worst = check_outputs(torch, traced, model, ref, size, a.checkpoint)
    import importlib.util
    timm_version = __import__("timm").__version__ if importlib.util.find_spec("timm") else ""
    record = {"format": "mtl-backbone", "format_version": 1, "input_size": size, "mean": IMAGENET_MEAN,
              "std": IMAGENET_STD, "features": d, "logits": l, "source": os.path.basename(a.checkpoint),
              "source_sha256": digest, "source_kind": kind, "torch_version": torch.__version__,
              "timm_version": timm_version}
    save(torch, traced, a.output, record)
    print(f"wrote {a.output}: {d} features, {l} logits, input {size}x{size} (from a {kind}; "
          f"traced output within {worst:.1e} of the model)", file=sys.stderr)


def main():
    a = parse_args()
    try:
        convert(a)
    except Failure as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return e.code
    return 0


if __name__ == "__main__":
    sys.exit(main())
