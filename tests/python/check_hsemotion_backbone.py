#!/usr/bin/env python3
"""share/mtl/convert_hsemotion.py and mtl-extract on a timm EfficientNet-B0 with an 8-class head
(random weights, no download), pickled whole as HSEmotion saves its models, scripted as EmotiEffLib
prepares them for C++, and as a state dict:
  - the converted backbone's features equal the model's classifier input (taken with a hook), its
    logits the model's output, and the file records its input size and source checksum;
  - unpickling needs --sha256 (matching) or --allow-unsafe-unpickle;
  - mtl-extract takes the recorded input size, and its stored features and logits equal the
    model's on the same input (224 x 224 PNGs: no resizing, lossless) and, within float and
    1-grey-level resizing noise, on the demo's 112 px JPEG crops resized as torchvision does;
  - mtl-extract refuses a logits-only model, a pickled model, random bytes, a zip without code,
    and a --size that contradicts the recorded one, each with exit status and message.

Usage: check_hsemotion_backbone.py BIN CONVERTER DEMO_DATA WORKDIR
Run with a python that has timm 0.9.x (scripts/timm-venv.sh); exit 77 without timm. The checks that
read feature stores need h5py and PIL and are skipped, with a note, without them.
"""
import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile

try:
    import numpy as np
    import timm
    import torch
except ImportError as e:
    print(f"skipped: {e}")
    sys.exit(77)

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def make_model():
    """A timm EfficientNet-B0 with an 8-class head, batch-norm statistics drawn at random so that
    folding them into the convolutions (mtl-extract freezes the backbone) is exercised."""
    torch.manual_seed(3)
    m = timm.create_model("efficientnet_b0", pretrained=False, num_classes=8)
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, torch.nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.2, 0.2)
                mod.running_var.uniform_(0.5, 1.5)
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.2, 0.2)
    return m.eval()


def reference(model, x):
    """The classifier's input (a forward pre-hook) and the model's output."""
    seen = {}
    h = model.get_classifier().register_forward_pre_hook(lambda mod, inp: seen.setdefault("f", inp[0]))
    with torch.no_grad():
        logits = model(x)
    h.remove()
    return seen["f"], logits


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p.returncode, p.stderr


def convert(conv, src, dst, *opts):
    return run([sys.executable, conv, src, dst, *opts])


def check_converted(model, path, source, kind):
    files = {"mtl_backbone.json": ""}
    ts = torch.jit.load(path, _extra_files=files)
    rec = json.loads(files["mtl_backbone.json"])
    digest = hashlib.sha256(open(source, "rb").read()).hexdigest()
    check(rec["input_size"] == 224 and rec["features"] == 1280 and rec["logits"] == 8 and
          rec["source_sha256"] == digest and rec["mean"] == MEAN and rec["std"] == STD,
          f"{kind}: the record says 224, 1280 features, 8 logits, the source's SHA-256: {rec}")
    x = torch.rand(4, 3, 224, 224)
    want_f, want_l = reference(model, x)
    with torch.no_grad():
        f, l = ts(x)
    df, dl = float((f - want_f).abs().max()), float((l - want_l).abs().max())
    check(df <= 1e-5 and dl <= 1e-5, f"{kind}: features = classifier input (max diff {df:.2e}), "
          f"logits = model output (max diff {dl:.2e})")


def conversions(conv, work, model):
    whole = os.path.join(work, "whole.pt")
    torch.save(model, whole)  # as HSEmotion saves enet_b0_8_best_vgaf.pt
    digest = hashlib.sha256(open(whole, "rb").read()).hexdigest()
    out = os.path.join(work, "bb.pt")
    rc, err = convert(conv, whole, out)
    check(rc == 2 and "--sha256 " + digest in err and "--allow-unsafe-unpickle" in err and not os.path.exists(out),
          f"a pickled model without --sha256 is not unpickled (exit {rc}): {err.strip().splitlines()[-1]}")
    rc, err = convert(conv, whole, out, "--sha256", "0" * 64)
    check(rc == 3 and "is not the expected" in err, f"a wrong --sha256 is refused (exit {rc})")
    rc, err = convert(conv, whole, out, "--sha256", digest)
    check(rc == 0, f"pickled model with its --sha256 converts (exit {rc}) {err.strip()}")
    check_converted(model, out, whole, "pickled model")
    scripted = os.path.join(work, "scripted.pt")
    torch.jit.script(model).save(scripted)  # as EmotiEffLib prepares models for its C++ library
    rc, err = convert(conv, scripted, os.path.join(work, "bb-scripted.pt"))
    check(rc == 0, f"scripted model converts without unpickling (exit {rc}) {err.strip()}")
    check_converted(model, os.path.join(work, "bb-scripted.pt"), scripted, "scripted model")
    # EmotiEffLib's split files: the model with its classifier replaced by Identity, and the classifier.
    body = copy.deepcopy(model)
    body.classifier = torch.nn.Identity()
    extractor, classifier = os.path.join(work, "features_extractor.pt"), os.path.join(work, "classifier.pt")
    torch.jit.script(body).save(extractor)
    torch.jit.script(copy.deepcopy(model.classifier)).save(classifier)
    rc, err = convert(conv, extractor, os.path.join(work, "bb-split.pt"), "--classifier", classifier)
    check(rc == 0, f"scripted feature extractor with --classifier converts (exit {rc}) {err.strip()}")
    check_converted(model, os.path.join(work, "bb-split.pt"), extractor, "feature extractor + classifier")
    sd = os.path.join(work, "state.pt")
    torch.save(model.state_dict(), sd)
    rc, err = convert(conv, sd, os.path.join(work, "bb-sd.pt"))
    check(rc == 2 and "--arch" in err, f"a state dict without --arch is refused (exit {rc})")
    rc, err = convert(conv, sd, os.path.join(work, "bb-sd.pt"), "--arch", "efficientnet_b0")
    check(rc == 0, f"state dict with --arch converts (exit {rc}) {err.strip()}")
    check_converted(model, os.path.join(work, "bb-sd.pt"), sd, "state dict")
    return out, whole, scripted


def refusals(bin_dir, work, demo, backbone, whole, scripted):
    junk = os.path.join(work, "random.pt")
    with open(junk, "wb") as f:
        f.write(np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    nocode = os.path.join(work, "nocode.pt")
    with zipfile.ZipFile(nocode, "w") as z:
        z.writestr("archive/version", "3\n")
    legacy = os.path.join(work, "legacy.pt")
    torch.save({"w": torch.zeros(2)}, legacy, _use_new_zipfile_serialization=False)
    lst = os.path.join(demo, "val.txt")
    root = os.path.join(demo, "cropped_aligned")
    cases = [  # (backbone, extra options, exit status, pattern)
        (scripted, [], 3, r"returns 8 values per image: class logits, not features.*convert_hsemotion\.py"),
        (whole, [], 3, r"whole\.pt: a model or state dict saved with torch\.save .*not TorchScript; "
                       r"convert it with share/mtl/convert_hsemotion\.py"),
        (legacy, [], 3, r"legacy\.pt: a pickled model or state dict \(torch\.save\), not TorchScript; convert"),
        (junk, [], 3, r"random\.pt: not a TorchScript file \(not a zip archive\); convert"),
        (nocode, [], 3, r"nocode\.pt: not a TorchScript file \(a zip archive without TorchScript code\)"),
        (backbone, ["--size", "260"], 2, r"--size 260 contradicts the input size 224 recorded in .*bb\.pt"),
    ]
    for bb, extra, code, pattern in cases:
        out = os.path.join(work, "refused.h5")
        rc, err = run([os.path.join(bin_dir, "mtl-extract"), "-q", "--backbone", bb, "--image-root", root, *extra,
                       "-o", out, lst])
        line = err.strip().splitlines()[0] if err.strip() else ""  # a usage error adds "Try ... --help"
        check(rc == code and re.search(pattern, line) is not None and line.startswith("mtl-extract: ") and
              not os.path.exists(out), f"mtl-extract refuses {os.path.basename(bb)} {' '.join(extra)} "
              f"(exit {rc}): {line}")


def preprocess(img):
    """torchvision's ToTensor + Normalize, on an RGB PIL image already S x S."""
    a = torch.from_numpy(np.asarray(img, dtype=np.float32) / 255.0).permute(2, 0, 1)
    return (a - torch.tensor(MEAN)[:, None, None]) / torch.tensor(STD)[:, None, None]


def extract(bin_dir, backbone, root, names, out, *opts):
    listing = out + ".txt"
    with open(listing, "w") as f:
        f.write("".join(n + "\n" for n in names))
    subprocess.run([os.path.join(bin_dir, "mtl-extract"), "-q", "--backbone", backbone, "--image-root", root,
                    "--threads", "2", *opts, "-o", out, listing], check=True)
    import h5py
    with h5py.File(out, "r") as f:
        return f["features"][:], f["logits"][:], dict(f.attrs)


def extraction(bin_dir, work, demo, model, backbone):
    try:
        import h5py  # noqa: F401
        from PIL import Image
    except ImportError as e:
        print(f"note: the mtl-extract comparisons are skipped here: {e}")
        return
    root = os.path.join(demo, "cropped_aligned")
    names = [line.split(",")[0] for line in open(os.path.join(demo, "val.txt")).read().splitlines()[1:7]]
    # 1. The same input: the crops enlarged by PIL and stored losslessly at 224 x 224.
    big = os.path.join(work, "big")
    for n in names:
        os.makedirs(os.path.dirname(os.path.join(big, n)), exist_ok=True)
        Image.open(os.path.join(root, n)).convert("RGB").resize((224, 224), Image.BILINEAR).save(
            os.path.join(big, n + ".png"))
    feats, logits, attrs = extract(bin_dir, backbone, big, [n + ".png" for n in names], os.path.join(work, "big.h5"))
    x = torch.stack([preprocess(Image.open(os.path.join(big, n + ".png")).convert("RGB")) for n in names])
    want_f, want_l = reference(model, x)
    df = float(np.abs(feats - want_f.numpy()).max())
    dl = float(np.abs(logits - want_l.numpy()).max())
    check(int(attrs["input_size"]) == 224, f"the store's input size is the recorded 224 ({attrs['input_size']})")
    check(df <= 1e-4 and dl <= 1e-4, f"stored features = Python's on the same input (max diff {df:.2e}; "
          f"feature scale {float(np.abs(want_f.numpy()).max()):.2f}), logits (max diff {dl:.2e})")
    # 2. The whole path: 112 px JPEG crops, decoded and resized by each side (PIL's enlarging is
    # matched within 1 grey level, so the features agree loosely, not exactly).
    feats, logits, attrs = extract(bin_dir, backbone, root, names, os.path.join(work, "crops.h5"), "--resize", "pil")
    x = torch.stack([preprocess(Image.open(os.path.join(root, n)).convert("RGB").resize((224, 224), Image.BILINEAR))
                     for n in names])
    want_f, _ = reference(model, x)
    rel = float(np.abs(feats - want_f.numpy()).max() / np.abs(want_f.numpy()).max())
    check(attrs["resize"] == "pil" and rel < 0.02, f"112 px crops through mtl-extract --resize pil vs "
          f"PIL + torchvision: largest feature difference {rel:.2e} of the largest feature")


def main():
    bin_dir, conv, demo, work = sys.argv[1:5]
    shutil.rmtree(work, ignore_errors=True)  # files of an earlier run would hide a missing refusal
    os.makedirs(work)
    print(f"torch {torch.__version__}, timm {timm.__version__}")
    if not timm.__version__.startswith("0.9."):
        print(f"skipped: timm {timm.__version__} is not 0.9.x")
        return 77
    model = make_model()
    backbone, whole, scripted = conversions(conv, work, model)
    refusals(bin_dir, work, demo, backbone, whole, scripted)
    extraction(bin_dir, work, demo, model, backbone)
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
