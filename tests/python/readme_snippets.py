"""Runs the Python snippets of README.md's "Python interop" section exactly as written, each in a
fresh Debian python3, in a demo folder holding val.h5, val.txt, cropped_aligned/, model.pt,
model-images.pt and val.pred.jsonl; and checks what they print against the files themselves.

Usage: readme_snippets.py README.md DEMO_DIR SHARE_DIR. A snippet is the ```python block after a
line "<!-- python-interop: NAME -->". Exits 77 (skipped) without h5py, torch, pandas or PIL.
"""
import re
import subprocess
import sys

try:
    import h5py
    import pandas  # noqa: F401 (the snippets need it)
    import PIL  # noqa: F401
    import torch  # noqa: F401
except ImportError as e:
    print(f"skipped: {e}")
    sys.exit(77)

WANT = {"h5py", "torch", "torch-images", "pandas"}


def snippets(readme):
    text = open(readme).read()
    found = re.findall(r"<!-- python-interop: ([\w-]+) -->\n```python\n(.*?)```", text, re.S)
    return dict(found)


def main():
    readme, demo, share = sys.argv[1:4]
    code = snippets(readme)
    failed = False
    if set(code) != WANT:
        print(f"FAIL: README.md's interop snippets are {sorted(code)}, expected {sorted(WANT)}")
        failed = True
    with h5py.File(f"{demo}/val.h5", "r") as f:
        rows = f["features"].shape[0]
        names = {k: [str(n) for n in f.attrs[k]] for k in ("au_names", "ex_names")}
    # The names stored in the file are the toolkit's (share/mtl), in order.
    for key, file in (("au_names", "au_names.txt"), ("ex_names", "ex_names.txt")):
        if names[key] != open(f"{share}/{file}").read().split():
            print(f"FAIL: the store's {key} {names[key]} differ from {file}")
            failed = True
    expect = {"h5py": str(names["au_names"][:3]), "torch": f"'au_prob': ({rows}, 12)",
              "torch-images": "tensor(", "pandas": "'AU26':"}
    for name, src in sorted(code.items()):
        r = subprocess.run([sys.executable, "-c", src], cwd=demo, capture_output=True, text=True)
        print(f"--- {name} (exit {r.returncode}):\n{r.stdout}{r.stderr}")
        if r.returncode != 0 or expect.get(name, "") not in r.stdout:
            print(f"FAIL: the {name} snippet: exit {r.returncode}, output lacks {expect.get(name)!r}")
            failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
