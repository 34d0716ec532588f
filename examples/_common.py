"""What the example scripts share: training a fresh seeded model, the comparison tables, the closing lines."""
import os
import sys
import time

import nn
from colorize import data as D
from colorize.errors import ColorizeError
from colorize.models import build_model
from colorize.predict import predict_ab
from colorize.settings import make_loss, make_optimizer, make_scheduler, settings_for
from colorize.train import Trainer, write_json


def train(name, options, settings, train_set, val_set, seed, quiet, augment=None):
    """Train a fresh seeded model -> (model, history, seconds)."""
    s = settings_for(name, **dict(settings, seed=seed))
    nn.manual_seed(seed)
    model = build_model(dict({"model": name}, **options))
    n_params = sum(p.data.size for p in model.parameters())
    print(f"\n{name} ({n_params:,} parameters): {s.optimizer} lr {s.lr:g}, batch {s.batch_size}, "
          f"up to {s.epochs} epochs, {len(train_set)} scenes", flush=True)
    log = (lambda m: None) if quiet else (lambda m: print("  " + m, flush=True))
    optimizer = make_optimizer(model, s)
    trainer = Trainer(model, make_loss(s, model=model), optimizer, make_scheduler(optimizer, s), settings=s,
                      train_set=train_set, val_set=val_set, quiet=quiet, log=log, augment=augment)
    t0 = time.perf_counter()
    trainer.fit()
    return model, trainer.history, time.perf_counter() - t0


def side_by_side(results, names):
    """Per-kind table: PSNR (dB, higher is better) and ab error of each model beside the two baselines."""
    first = results[names[0]]
    kinds = [("all", first)] + list(first.get("per_kind", {}).items())
    head = f"{'kind':<9}{'n':>4} |" + "".join(f"{n[:10]:>11}" for n in names) + f"{'mean-ab':>9}{'gray':>7} |" \
        + "".join(f"{n[:10]:>11}" for n in names) + f"{'mean-ab':>9}{'gray':>7}"
    lines = [f"{'':<14}|{'PSNR dB (higher is better)':^{11 * len(names) + 16}}|"
             f"{'ab error (lower is better)':^{11 * len(names) + 16}}", head]
    for kind, r0 in kinds:
        rs = [results[n] if kind == "all" else results[n]["per_kind"][kind] for n in names]
        line = f"{kind:<9}{r0['n']:>4} |" + "".join(f"{r['model']['psnr']:>11.2f}" for r in rs)
        line += f"{r0['mean_ab']['psnr']:>9.2f}{r0['gray']['psnr']:>7.2f} |"
        line += "".join(f"{r['model']['ab_error']:>11.2f}" for r in rs)
        line += f"{r0['mean_ab']['ab_error']:>9.2f}{r0['gray']['ab_error']:>7.2f}"
        lines.append(line)
    return "\n".join(lines)


def sky_table(models, test_set):
    """Mean (a, b) over the top quarter of each image (mostly sky), true vs each model's, per scene kind."""
    top = slice(0, test_set.size[0] // 4)
    x, _ = D.lab_to_model_arrays(test_set.lab)
    preds = {name: predict_ab(m, x)[:, :, top, :] * 128.0 for name, m in models.items()}
    lines = [f"{'kind':<9}{'true sky (a, b)':>17}" + "".join(f"{name + ' (a, b)':>28}" for name in models)]
    for k, kind in enumerate(test_set.class_names):
        sel = test_set.labels == k
        t = test_set.lab[sel][:, top, :, 1:].reshape(-1, 2).mean(axis=0)
        line = f"{kind:<9}{f'({t[0]:+.0f}, {t[1]:+.0f})':>17}"
        for name in models:
            p = preds[name][sel].transpose(0, 2, 3, 1).reshape(-1, 2).mean(axis=0)
            line += f"{f'({p[0]:+.0f}, {p[1]:+.0f})':>28}"
        lines.append(line)
    return "\n".join(lines)


def finish(out_dir, results, written, t_start, heading="written to"):
    """Write results.json beside the pictures and list everything written."""
    path = os.path.join(out_dir, "results.json")
    write_json(path, results)
    print(f"\n{heading} {out_dir}/:")
    for p in written + [path]:
        print(f"  {p}")
    print(f"total time {time.perf_counter() - t_start:.1f} s")
    return 0


def run(main):
    """Run an example's main(); a ColorizeError (bad input) is one line on stderr and exit code 2."""
    try:
        sys.exit(main())
    except ColorizeError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)


def parser(doc, name, images, epochs, epochs_help="epochs per model"):
    """The options every synthetic-scene example takes: --out --size --images --epochs --seed --threads --quiet."""
    import argparse
    p = argparse.ArgumentParser(description=doc.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=os.path.join("out", name), help="output folder")
    p.add_argument("--size", type=int, default=64, help="working size in pixels (default 64)")
    p.add_argument("--images", type=int, default=images, help=f"training scenes, all kinds together (default {images})")
    p.add_argument("--epochs", type=int, default=epochs, help=f"{epochs_help} (default {epochs})")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--threads", type=int, default=None, help="kernel threads (default: all cores)")
    p.add_argument("--quiet", action="store_true", help="no per-epoch lines")
    return p


def start(args):
    """Apply --threads, create --out; returns the start time."""
    if args.threads:
        nn.kernels.set_num_threads(args.threads)
    os.makedirs(args.out, exist_ok=True)
    return time.perf_counter()


def mixed_scenes(size, images, seed):
    """(train, test): mixed synthetic scenes for training, kept 1.25x larger for random crops (augmentation),
    and 48 unseen mixed scenes (another seed) for testing."""
    keep = int(round(size * 1.25))
    train_set = D.load_dataset("synthetic:mixed", size=size, n=images, seed=seed, keep_size=keep)
    test_set = D.load_dataset("synthetic:mixed", size=size, n=48, seed=1000 + seed)
    return train_set, test_set
