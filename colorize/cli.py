"""Command-line interface: ``python -m colorize train | predict | evaluate | demo`` (also the ``colorize`` script).

    colorize train DATA --model mlp --out RUN_DIR [--epochs N] [--size PX] [--batch-size N] [--lr X]
                   [--val-split F] [--seed N] [--resume] [--quiet] ...
    colorize train DATA --model fusion --head bins [--bins gamut|kmeans:K] [--rebalance LAMBDA] ...
    colorize predict [--weights RUN_DIR/model.npz] IMAGE_OR_DIR_OR_VIDEO... --out DIR [--format png|jpg]
                     [--overwrite] [--smooth A] [--scene-cut X] [--decode annealed|mean|mode|mrf]
                     [--temperature T] [--samples K] [--seed N] [--quiet]
    colorize evaluate --weights RUN_DIR/model.npz DATA [--json FILE] [--out DIR] [--decode ...] [--strict]
    colorize demo [--out DIR]

DATA is a folder of images (first-level subfolder names serve as scene labels) or
synthetic:beach|forest|sunrise|mixed (generated scenes, no download).

main(argv) returns the exit status: 0 on success, 2 for any bad input (a one-line ``error: ...`` on stderr,
no traceback: every user mistake is raised as ColorizeError; for predict, also when any input failed), 130 when
interrupted with Ctrl-C (one line saying what was finished; nothing is left half-written).
"""
import argparse
import gc
import json
import os
import sys

from .errors import ColorizeError, Interrupted, interrupt_on_sigterm

EPILOG_DATA = ("DATA is a folder of images (jpg, jpeg, png, bmp, tif, tiff, webp; the first-level subfolder "
               "names are used as scene labels) or synthetic:beach, synthetic:forest, synthetic:sunrise or "
               "synthetic:mixed (generated scenes, no download).")


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line, like ours (argparse's own usage block is noise here)."""

    def error(self, message):
        self.exit(2, f"error: {message} (see `{self.prog} --help`)\n")


def _number(convert, ok, expected, rule):
    """An argparse type: text -> convert(text) (int or float), accepted when ok(value); otherwise one line,
    "expected <expected>, got 'x'" (not a number) or "must be <rule>, got x"."""
    def parse(text):
        try:
            v = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not ok(v):
            raise argparse.ArgumentTypeError(f"must be {rule}, got {text}")
        return v
    return parse


positive_int = _number(int, lambda v: v > 0, "a positive integer", "a positive integer")
_nonneg_int = _number(int, lambda v: v >= 0, "a non-negative integer", "zero or a positive integer")
_positive_float = _number(float, lambda v: 0 < v < float("inf"), "a positive number", "a positive finite number")
_nonneg_float = _number(float, lambda v: 0 <= v < float("inf"), "a number >= 0", "a finite number >= 0")
_fraction = _number(float, lambda v: 0 <= v < 1, "a fraction between 0 and 1",
                    "in [0, 1) (the share of images kept for validation)")
_smoothing = _number(float, lambda v: 0 <= v < 1, "a number in [0, 1)", "in [0, 1) (0 turns smoothing off)")
_unit_float = _number(float, lambda v: 0 <= v <= 1, "a number in [0, 1]", "in [0, 1] (0: off)")
_crop_scale = _number(float, lambda v: 1 <= v < float("inf"), "a number >= 1", "a finite number >= 1")


def _key_value(text):
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    key, value = text.split("=", 1)
    try:
        value = json.loads(value)
    except ValueError:
        pass                                  # a bare word stays a string: --model-opt upsample=transpose
    return key.strip(), value


def _decode_options(p):
    p.add_argument("--decode", choices=("annealed", "mean", "mode", "mrf"),
                   help="bins models only: annealed mean (softmax(logits / T) @ centres), mean (T = 1), mode "
                        "(most likely bin) or mrf (mean-field Markov random field, then the annealed mean); "
                        "default: the decoding saved with the weights")
    p.add_argument("--temperature", type=_positive_float, metavar="T",
                   help="bins models only: temperature of the annealed mean (default: saved with the weights)")


def build_parser():
    from .models import model_names
    from .naming import OUTPUT_FORMATS
    p = _Parser(prog="colorize",
                description="Colorize grayscale photos with small neural networks trained from scratch "
                            "(CIE Lab: the model predicts a and b from L).",
                epilog="Run `colorize COMMAND --help` for each command's options.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    t = sub.add_parser("train", help="train a model and write a run folder",
                       description="Train a colorization model on DATA and write a run folder: model.npz "
                                   "(weights + configuration: the one file predict needs), checkpoint.npz "
                                   "(for --resume), history.json, loss.png, samples.png and metrics.json.",
                       epilog=EPILOG_DATA + " Options left out take the model's defaults.")
    t.add_argument("data", metavar="DATA", help="folder of images or synthetic:beach|forest|sunrise|mixed")
    t.add_argument("--model", default="mlp", choices=model_names(trainable_only=True),
                   help="mlp: 5x5 patch MLP; convnet: strided encoder-decoder; unet: with skip connections; "
                        "fusion: U-Net + global features; resnet: ResNet-18 trunk + upsampling decoder; "
                        "unet_vae: U-Net conditional VAE, samples several colourings (default: mlp)")
    t.add_argument("--out", required=True, metavar="RUN_DIR", help="run folder to write (created if missing)")
    t.add_argument("--epochs", type=positive_int, metavar="N", help="maximum number of epochs")
    t.add_argument("--size", type=positive_int, metavar="PX",
                   help="working size: images are resized and centre-cropped to PX x PX (at least 5)")
    t.add_argument("--batch-size", type=positive_int, metavar="N",
                   help="minibatch size in images")
    t.add_argument("--lr", type=_positive_float, metavar="X", help="learning rate")
    t.add_argument("--val-split", type=_fraction, metavar="F",
                   help="fraction of the images held out for validation, in [0, 1) (default 0.2)")
    t.add_argument("--seed", type=_nonneg_int, metavar="N", help="random seed: same seed, same weights (default 0)")
    t.add_argument("--resume", action="store_true",
                   help="continue the run in RUN_DIR from its checkpoint.npz (same data and settings)")
    t.add_argument("--patience", type=_nonneg_int, metavar="N",
                   help="stop after N epochs without validation improvement (0: never stop early)")
    t.add_argument("--images", type=positive_int, metavar="N",
                   help="number of generated scenes for synthetic DATA (default 64); for a folder: use at "
                        "most N images")
    t.add_argument("--hidden", type=positive_int, metavar="N", help="mlp only: hidden units (default 16)")
    t.add_argument("--activation", choices=("sigmoid", "tanh", "relu", "leaky_relu"),
                   help="mlp only: hidden activation (default sigmoid)")
    t.add_argument("--augment", action=argparse.BooleanOptionalAction, default=None,
                   help="random flips, rotations and shears of the training images each epoch")
    t.add_argument("--crop-scale", type=_crop_scale, metavar="F",
                   help="with --augment: random --size crops of copies whose shorter side is F x size, the "
                        "working scale at prediction (at least 1; default 1.5 for the conv models; 1: crops as "
                        "tall as the image, the shipped model's recipe)")
    t.add_argument("--aux-weight", type=_nonneg_float, metavar="W",
                   help="weight of the scene-classification loss for models with a classifier head "
                        "(default 1/300, as Iizuka et al.)")
    t.add_argument("--kl-beta", type=_nonneg_float, metavar="B",
                   help="unet_vae only: final weight of the KL term (default 0.01)")
    t.add_argument("--kl-warmup", type=_nonneg_int, metavar="N",
                   help="unet_vae only: epochs over which the KL weight rises linearly from 0 (default 5)")
    t.add_argument("--model-opt", type=_key_value, action="append", default=[], metavar="KEY=VALUE",
                   help="extra model option (repeatable), e.g. --model-opt width=32")
    t.add_argument("--time-limit", type=_positive_float, metavar="MIN",
                   help="stop after the epoch during which MIN minutes have passed (--resume trains the rest)")
    t.add_argument("--head", choices=("ab", "bins"),
                   help="conv models: ab regresses a, b (default); bins predicts a distribution over ab bins "
                        "per pixel (at half the input size), decoded to one colour")
    t.add_argument("--bins", metavar="SPEC",
                   help="with --head bins: gamut (Zhang et al.'s 313 points of the 10-unit ab grid over the sRGB "
                        "gamut) or kmeans:K (K centres fitted on the training pixels); default gamut")
    t.add_argument("--rebalance", type=_unit_float, metavar="LAMBDA",
                   help="weight rare colours up: per-pixel weight ((1 - LAMBDA) / Q + LAMBDA p)^-1 of its bin, "
                        "p the training set's colour prior (default 0.5 with --head bins, 0 = off otherwise)")
    t.add_argument("--threads", type=positive_int, metavar="N", help="threads for the kernels (default: all cores)")
    t.add_argument("--strict", action="store_true",
                   help="stop at the first image that cannot be read (default: skip it with a warning)")
    t.add_argument("--quiet", "-q", action="store_true", help="no progress bar or messages")

    pr = sub.add_parser("predict", help="colorize photos and videos at full resolution",
                        description="Colorize photos and videos: the model runs at its working size, the "
                                    "predicted a, b are upsampled to the original size and joined with the "
                                    "original L. Photos are turned upright by their EXIF orientation first. "
                                    "Videos (mp4, avi, mkv, mov, webm, m4v) are colorized frame by frame with "
                                    "the colour smoothed over time; they keep their size, frame count and rate, "
                                    "not their sound (a warning gives the ffmpeg command that copies it back).",
                        epilog="Output names: photo.jpg -> DIR/photo_color.png (--format jpg: .jpg); a folder "
                               "keeps its layout under DIR (FOLDER/a/b.png -> DIR/FOLDER/a/b_color.png); "
                               "clip.mp4 -> DIR/clip_color.mp4. If the name is taken by an input, by another "
                               "output of the run or (without --overwrite) by an existing file, a number is "
                               "added: photo_color-1.png. An input file is never overwritten, even with "
                               "--overwrite. Files in DIR named like outputs are not colorized again. The inputs "
                               "named on the command line are checked before any work: each must exist and be "
                               "an image, a video or a folder. A file that then cannot be decoded is reported "
                               "and the others go on (exit status 2 at the end); the last line counts the "
                               "files written, skipped and failed.")
    pr.add_argument("inputs", nargs="+", metavar="IMAGE_OR_DIR_OR_VIDEO",
                    help="image and video files and/or folders of them (scanned recursively)")
    pr.add_argument("--weights", metavar="FILE",
                    help="model.npz of a training run (default: the model shipped with colorize, if any)")
    pr.add_argument("--out", required=True, metavar="DIR", help="output folder (created if missing)")
    pr.add_argument("--format", choices=OUTPUT_FORMATS, default="png",
                    help="image output format (default png, which keeps a photo's transparency and 16 bits a "
                         "channel; jpg composites it on white, in 8 bits; videos keep their container)")
    pr.add_argument("--overwrite", action="store_true",
                    help="replace existing files in DIR that have the output's name (earlier outputs), "
                         "instead of numbering the new ones; inputs are never overwritten")
    pr.add_argument("--smooth", type=_smoothing, metavar="A",
                    help="videos: temporal smoothing of the colour, an exponential moving average "
                         "ema = A * ema + (1 - A) * prediction over frames, in [0, 1); 0 turns it off "
                         "(default 0.7)")
    pr.add_argument("--scene-cut", type=_positive_float, metavar="X",
                    help="videos: restart the smoothing when the mean change of lightness L (0-100) between "
                         "two frames exceeds X (default 12)")
    _decode_options(pr)
    pr.add_argument("--samples", type=positive_int, metavar="K",
                    help="write K different colourings per input, <name>_sample1 .. <name>_sampleK (models with "
                         "a latent, e.g. unet_vae: 32 latents are drawn and K distinct ones kept by k-means on the "
                         "predicted colours); without it, one colouring (the latent at its prior mean)")
    pr.add_argument("--seed", type=_nonneg_int, default=0, metavar="N",
                    help="seed of the sampled latents with --samples: same seed, same colourings (default 0)")
    pr.add_argument("--threads", type=positive_int, default=1, metavar="N",
                    help="threads for the kernels (default 1: the model runs at a small working size, where a "
                         "second thread gained nothing measurable, and one thread compiles 1.5 s faster on the "
                         "first run after an install)")
    pr.add_argument("--kernels", choices=("auto", "numpy", "numba"), default="auto",
                    help="what runs the network on photos: numpy (the kernels' NumPy twins: nothing to compile or "
                         "load, the faster start), numba (the compiled kernels: about a tenth faster a photo once "
                         "loaded), or auto (default: numpy for a short run of photos, numba for a long one; videos "
                         "always take numba)")
    pr.add_argument("--quiet", "-q", action="store_true",
                    help="no progress bar, no list of written files and no summary (errors are still shown)")

    ev = sub.add_parser("evaluate", help="score a model against the gray and mean-ab baselines",
                        description="Colorize DATA at the model's working size and print PSNR (8-bit RGB, per "
                                    "image), mean ab error and colourfulness for the model and for two "
                                    "baselines: gray (a = b = 0) and the training set's mean ab. A folder's "
                                    "unreadable images are skipped with a warning (--strict stops instead), and "
                                    "so are its black-and-white photos (nothing to score: gray reproduces them "
                                    "exactly).",
                        epilog=EPILOG_DATA)
    ev.add_argument("data", metavar="DATA", help="folder of images or synthetic:beach|forest|sunrise|mixed")
    ev.add_argument("--weights", metavar="FILE", help="model.npz of a training run (default: the shipped model)")
    ev.add_argument("--images", type=positive_int, metavar="N",
                    help="number of generated scenes for synthetic DATA (default 64); for a folder: at most N")
    ev.add_argument("--seed", type=_nonneg_int, default=1000, metavar="N",
                    help="seed of the generated scenes for synthetic DATA (default 1000, unseen in training)")
    ev.add_argument("--json", metavar="FILE", help="also write the metrics as JSON to FILE ('-' for stdout)")
    ev.add_argument("--out", metavar="DIR",
                    help="also write metrics.json and ab_histograms.png (predicted vs true colours) into DIR")
    _decode_options(ev)
    ev.add_argument("--threads", type=positive_int, metavar="N", help="threads for the kernels")
    ev.add_argument("--strict", action="store_true",
                    help="stop at the first image that cannot be read (default: skip it with a warning)")

    d = sub.add_parser("demo", help="a quick end-to-end run on synthetic beaches",
                       description="Train the patch MLP on generated beach scenes, evaluate it against the "
                                   "baselines and colorize a few unseen scenes, all in a few seconds.")
    d.add_argument("--out", default=os.path.join("out", "demo"), metavar="DIR",
                   help="output folder (default out/demo)")
    d.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    return p


def _set_threads(n):
    if n is not None:
        from nn.kernels import set_num_threads
        try:
            set_num_threads(n)
        except ValueError as e:
            raise ColorizeError(str(e).replace("set_num_threads: ", "--threads: ")) from None


def _cmd_train(args):
    from .train import run_training
    _set_threads(args.threads)
    opts = {k: getattr(args, k) for k in ("epochs", "size", "batch_size", "lr", "val_split", "seed", "patience",
                                           "images", "augment", "crop_scale", "aux_weight", "time_limit", "kl_beta",
                                           "kl_warmup")}
    model_options = dict(args.model_opt)
    for k in ("hidden", "activation"):
        if getattr(args, k) is not None:
            if args.model != "mlp":
                raise ColorizeError(f"--{k} is an mlp option; use --model-opt KEY=VALUE for --model {args.model}")
            model_options[k] = getattr(args, k)
    for k in ("head", "bins"):
        if getattr(args, k) is not None:
            if args.model == "mlp":
                raise ColorizeError(f"--{k} applies to the conv models (convnet, unet, fusion, resnet), not mlp")
            model_options[k] = getattr(args, k)
    if args.bins is not None and args.head != "bins" and not args.rebalance:
        raise ColorizeError("--bins needs --head bins (or --rebalance > 0, whose prior uses the bins)")
    if args.rebalance is not None:
        opts["rebalance"] = args.rebalance
    opts = {k: v for k, v in opts.items() if v is not None}
    try:
        run_training(args.data, args.out, model=args.model, model_options=model_options, resume=args.resume,
                     quiet=args.quiet, strict=args.strict, **opts)
    except KeyboardInterrupt:
        raise Interrupted(_interrupted_training(args.out)) from None
    return 0


def _interrupted_training(run_dir):
    """The Ctrl-C message for a run: how many epochs its (atomically written) history.json holds."""
    try:
        with open(os.path.join(run_dir, "history.json")) as f:
            done = len(json.load(f))
    except (OSError, ValueError):
        done = 0
    if done == 0:
        return "interrupted during the first epoch, before any checkpoint was written; start the run again"
    return f"interrupted after epoch {done}; continue with --resume"


def _cmd_predict(args):
    from .predict import predict_paths

    def report(message):
        print(f"error: {message}", file=sys.stderr)

    def warn(message):
        print(f"warning: {message}", file=sys.stderr)

    _set_threads(args.threads)
    result = predict_paths(args.weights, args.inputs, args.out, fmt=args.format, overwrite=args.overwrite,
                           smooth=args.smooth, scene_cut=args.scene_cut, progress=not args.quiet, report=report,
                           decode=args.decode, temperature=args.temperature, samples=args.samples, seed=args.seed,
                           kernels=args.kernels, warn=warn)
    if not args.quiet:
        for path in result["written"]:
            print(path)
        for path, reason in result["skipped"]:
            print(f"skipped {path}: {reason}", file=sys.stderr)
        print(f"{len(result['written'])} written, {len(result['skipped'])} skipped, {len(result['failed'])} failed")
    return 2 if result["failed"] else 0


def _cmd_evaluate(args):
    from .evaluate import evaluate_weights, format_metrics_table
    _set_threads(args.threads)
    if args.json not in (None, "-"):               # before the work, not after it
        folder = os.path.dirname(os.path.abspath(args.json))
        if os.path.isdir(args.json) or args.json.endswith((os.sep, "/")):
            raise ColorizeError(f"--json {args.json} is a folder; give a file name such as metrics.json")
        made = args.out is not None and os.path.abspath(args.out) == folder     # evaluate creates --out
        if not (os.path.isdir(folder) or made):
            raise ColorizeError(f"--json {args.json}: folder {folder} does not exist; create it first")
    result = evaluate_weights(args.weights, args.data, images=args.images, seed=args.seed, decode=args.decode,
                              temperature=args.temperature, out_dir=args.out, strict=args.strict)
    if args.json == "-":
        print(json.dumps(result, indent=2))
    else:
        print(format_metrics_table(result))
        if args.json:
            from .train import write_json
            write_json(args.json, result)
            print(f"metrics written to {args.json}")
        if args.out:
            print(f"metrics.json and ab_histograms.png written to {args.out}")
    return 0


def _cmd_demo(args):
    from .demo import run_demo
    run_demo(args.out, quiet=args.quiet)
    return 0


COMMANDS = {"train": _cmd_train, "predict": _cmd_predict, "evaluate": _cmd_evaluate, "demo": _cmd_demo}


def _quiet_opencv():
    """OpenCV logs decoder complaints ("IHDR chunk shall be first") on stderr; our own line says it better."""
    import cv2
    try:
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    except AttributeError:                     # older OpenCV builds without the logging module
        pass


def main(argv=None):
    """Run the CLI with argv (default sys.argv[1:]); returns the exit status."""
    try:
        _quiet_opencv()
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as e:                # --help (0) or a usage error (2)
            return e.code if isinstance(e.code, int) else 2
        return COMMANDS[args.command](args)
    except ColorizeError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except Interrupted as e:
        print(f"error: {e}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("error: interrupted; nothing was half-written", file=sys.stderr)
        return 130
    except OSError as e:                       # a file problem no check foresaw: still one line
        where = f" ({e.filename})" if e.filename else ""
        print(f"error: {e.strerror or e}{where}", file=sys.stderr)
        return 2
    except MemoryError:
        print("error: out of memory; use a smaller --size, --batch-size or fewer images", file=sys.stderr)
        return 2


def run():
    """The `colorize` command (and `python -m colorize`): main() on sys.argv, then exit with its status.

    SIGTERM is handled as Ctrl-C (nothing half-written, one line, exit 130). gc.freeze() at the end: the
    interpreter's last garbage collections would walk every object Numba's compiler left behind, 0.15-0.4 s
    of a 1-4 s command, to free memory the exit frees anyway.
    """
    interrupt_on_sigterm()
    status = main()
    gc.freeze()
    sys.exit(status)


if __name__ == "__main__":
    run()
