"""Rebuild the 57 fresh photos that measure the default model on photos it has never seen (README, "On
photos from elsewhere"): the files listed in docs/fresh_photos.tsv, taken from two Debian packages
(gcompris-qt-data 3.1-2 and lomiri-wallpapers-16.04 20.04.0-2, the versions of Debian 12). With --second,
the 10 of a second check instead (docs/fresh_photos_second.tsv: plasma-workspace-wallpapers 4:5.27.5-2 and
mate-backgrounds 1.26.0-1).

    python examples/fresh_photos.py --out FRESH            # needs apt-get (Debian or Ubuntu); about 70 MB
    python examples/fresh_photos.py --second --out FRESH2  # about 140 MB
    colorize evaluate FRESH                                # the default model on them

The packages are downloaded with `apt-get download` into a temporary folder and unpacked with `dpkg -x`;
gcompris keeps its pictures inside Qt resource files (.rcc), which this script reads (Qt's rcc format,
versions 1-3). Each listed picture is written as FRESH/<file> (PNG).

How the 57 were picked: the WebP pictures of 60 KB or more in gcompris-qt-data's resource files, and the
pictures of lomiri-wallpapers-16.04, lomiri-wallpapers-20.04, gnome-backgrounds and ukui-wallpapers; minus
those under 300 pixels on the shorter side, those that are one of the 107 training photos (a 24 x 24 gray
thumbnail correlating above 0.9 with one), and, by eye, paintings, drawings and abstract wallpapers (the
last three packages had no photograph left). The second 10: the photographs in colour of the other two
packages' wallpapers, minus those that are training photos (11 of 21; two black-and-white ones left out).
"""
import argparse
import csv
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
LIST = os.path.join(HERE, "..", "docs", "fresh_photos.tsv")
SECOND_LIST = os.path.join(HERE, "..", "docs", "fresh_photos_second.tsv")


def rcc_files(path):
    """{resource path: bytes} of a Qt resource file (.rcc)."""
    b = open(path, "rb").read()
    if b[:4] != b"qres":
        raise SystemExit(f"error: {path} is not a Qt resource file")
    version, tree, data, names = struct.unpack(">IIII", b[4:20])
    entry_size = 14 if version == 1 else 22           # version 2 added an 8-byte modification time
    out = {}

    def name(offset):
        n = struct.unpack(">H", b[names + offset:names + offset + 2])[0]
        return b[names + offset + 6:names + offset + 6 + 2 * n].decode("utf-16-be")

    def walk(i, prefix):
        e = tree + i * entry_size
        name_offset, flags = struct.unpack(">IH", b[e:e + 6])
        here = prefix + name(name_offset) if i else ""
        if flags & 2:                                 # a directory: child count, first child
            count, first = struct.unpack(">II", b[e + 6:e + 14])
            for k in range(first, first + count):
                walk(k, here + "/")
        else:                                         # a file: country, language, data offset
            s = data + struct.unpack(">I", b[e + 10:e + 14])[0]
            blob = b[s + 4:s + 4 + struct.unpack(">I", b[s:s + 4])[0]]
            out[here] = zlib.decompress(blob[4:]) if flags & 1 else blob

    walk(0, "")
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="folder to write the photos into")
    ap.add_argument("--second", action="store_true", help="the 10 photos of the second check instead of the 57")
    args = ap.parse_args(argv)
    with open(SECOND_LIST if args.second else LIST, newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    os.makedirs(args.out, exist_ok=True)
    debs = tempfile.mkdtemp()
    try:
        write_photos(rows, debs, args.out)
    finally:
        shutil.rmtree(debs)
    print(f"{len(rows)} photos written to {args.out}")


def write_photos(rows, debs, out):
    packages = sorted({r["package"].split()[0] for r in rows})
    roots = {p: os.path.join(debs, p) for p in packages}
    try:
        subprocess.run(["apt-get", "download", *packages], cwd=debs, check=True)
        for p in packages:
            deb = next(f for f in os.listdir(debs) if f.startswith(p + "_") and f.endswith(".deb"))
            subprocess.run(["dpkg", "-x", os.path.join(debs, deb), roots[p]], check=True)
    except (OSError, StopIteration, subprocess.CalledProcessError) as e:
        sys.exit(f"error: could not download and unpack {', '.join(packages)} with apt-get and dpkg ({e!r}); "
                 f"on a Debian or Ubuntu machine with network access run this again")
    resources = {}
    for r in rows:
        root = roots[r["package"].split()[0]]
        path, _, entry = r["original_path"].partition(" :: ")
        if entry:
            if path not in resources:
                resources[path] = rcc_files(os.path.join(root, path))
            raw = resources[path].get(entry)
        else:
            full = os.path.join(root, path)
            raw = open(full, "rb").read() if os.path.exists(full) else None
        if raw is None:
            sys.exit(f"error: {r['original_path']} is not in the downloaded {r['package'].split()[0]}: another "
                     f"version than {r['package'].split()[1]}? the lists in docs/ name Debian 12's files")
        image = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)
        tmp = os.path.join(out, ".tmp-" + r["file"])
        cv2.imwrite(tmp, image)
        os.replace(tmp, os.path.join(out, r["file"]))


if __name__ == "__main__":
    main()
