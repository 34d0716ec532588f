"""W7: the resnet colorizer's training step (batch 16, 1 x 64 x 64, MSE, Adam), ours beside PyTorch.

    python benchmarks/bench_resnet.py [--threads 1] [--repeat 10] [--layers 2] [--stem 7x7] [--breakdown]

The PyTorch model is the same network written with torch.nn (torchvision's BasicBlock, the same decoder and
head), loaded with our initial weights; the first step's loss is compared so both time the same computation.
Prints ms/step and images/s of both and their ratio (ours / PyTorch; below 1 is faster). --breakdown also
times forward + backward of every convolution on its own in both frameworks, to show where the time goes.
Every figure is the median of --repeat timed steps after one warm-up step. Never run by the test-suite.
"""
import argparse
import json
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
from bench_training import median_time  # noqa: E402  (one timing loop for every benchmark)


def torch_resnet_colorizer(torch, model):
    """torch.nn twin of a ResNetColorizer (without the global branch), same names, so load_state_dict fits."""
    tnn = torch.nn
    cfg = model.config

    class Block(tnn.Module):
        def __init__(self, cin, planes, stride):
            super().__init__()
            self.conv1 = tnn.Conv2d(cin, planes, 3, stride, 1, bias=False)
            self.bn1 = tnn.BatchNorm2d(planes)
            self.relu = tnn.ReLU()
            self.conv2 = tnn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = tnn.BatchNorm2d(planes)
            self.downsample = None
            if stride != 1 or cin != planes:
                self.downsample = tnn.Sequential(tnn.Conv2d(cin, planes, 1, stride, bias=False),
                                                 tnn.BatchNorm2d(planes))

        def forward(self, x):
            out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
            return self.relu(out + (x if self.downsample is None else self.downsample(x)))

    class Net(tnn.Module):
        def __init__(self):
            super().__init__()
            big = cfg["stem"] == "7x7"
            self.conv1 = tnn.Conv2d(1, 64, 7 if big else 3, 2 if big else 1, 3 if big else 1, bias=False)
            self.bn1 = tnn.BatchNorm2d(64)
            self.relu = tnn.ReLU()
            self.maxpool = tnn.MaxPool2d(3, 2, 1) if big else tnn.Identity()
            self.layer1 = tnn.Sequential(Block(64, 64, 1), Block(64, 64, 1))
            self.layer2 = tnn.Sequential(Block(64, 128, 2), Block(128, 128, 1))
            self.layer3 = (tnn.Sequential(Block(128, 256, 2), Block(256, 256, 1)) if cfg["layers"] == 3
                           else tnn.Identity())
            stages = []
            for st in model.decoder:
                conv = st[1]
                cin, cout = conv.weight.shape[1], conv.weight.shape[0]
                stages.append(tnn.Sequential(tnn.Upsample(scale_factor=2), tnn.Conv2d(cin, cout, 3, 1, 1, bias=False),
                                             tnn.BatchNorm2d(cout), tnn.ReLU()))
            self.decoder = tnn.Sequential(*stages)
            self.ab_head = tnn.Sequential(tnn.Conv2d(model.ab_head[0].weight.shape[1], 2, 3, 1, 1), tnn.Tanh())

        def forward(self, x):
            h = self.layer3(self.layer2(self.layer1(self.maxpool(self.relu(self.bn1(self.conv1(x)))))))
            return self.ab_head(self.decoder(h))

    net = Net()
    net.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in model.state_dict().items()})
    return net


def bench(args):
    import nn
    from nn import functional as F
    from colorize.models import build_model
    nn.kernels.set_num_threads(args.threads)
    try:
        import torch
        torch.set_num_threads(args.threads)
    except ImportError:
        torch = None
    N, H = args.batch, args.size
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (N, 1, H, H)).astype(np.float32)
    t = rng.uniform(-0.5, 0.5, (N, 2, H, H)).astype(np.float32)
    nn.manual_seed(0)
    model = build_model({"model": "resnet", "layers": args.layers, "stem": args.stem})
    res = {"config": model.config, "params": int(sum(p.data.size for p in model.parameters())),
           "threads": args.threads, "batch": N, "size": H}
    tnet = torch_resnet_colorizer(torch, model) if torch is not None else None
    opt = nn.optim.Adam(model.parameters(), lr=1e-3)
    xo, to = nn.Tensor(x), nn.Tensor(t)

    def step():
        opt.zero_grad()
        loss = F.mse_loss(model(xo).ab, to)
        loss.backward()
        opt.step()
        return loss.item()

    first = step()
    res["ours_ms"] = 1e3 * median_time(step, args.repeat, warmup=0)
    if tnet is not None:
        topt = torch.optim.Adam(tnet.parameters(), lr=1e-3)
        xt, tt = torch.tensor(x), torch.tensor(t)

        def tstep():
            topt.zero_grad()
            loss = torch.nn.functional.mse_loss(tnet(xt), tt)
            loss.backward()
            topt.step()
            return loss.item()
        tfirst = tstep()
        res["first_loss"] = {"ours": first, "torch": tfirst}
        res["torch_ms"] = 1e3 * median_time(tstep, args.repeat, warmup=0)
    print(f"W7 resnet colorizer step ({res['config']['layers']} layers, {args.stem} stem, {res['params']:,} "
          f"parameters), batch {N}, {H}x{H}, MSE + Adam, threads={args.threads}")
    print(f"  ours     {res['ours_ms']:8.1f} ms/step  {1e3 * N / res['ours_ms']:7.1f} images/s")
    if "torch_ms" in res:
        print(f"  PyTorch  {res['torch_ms']:8.1f} ms/step  {1e3 * N / res['torch_ms']:7.1f} images/s")
        res["ratio"] = res["ours_ms"] / res["torch_ms"]
        print(f"  ours / PyTorch = {res['ratio']:.2f}   (first-step loss: ours {first:.6f}, PyTorch {tfirst:.6f})")
    if args.breakdown:
        res["breakdown"] = breakdown(args, model, x, torch)
    return res


def breakdown(args, model, x, torch):
    """Forward + backward of each convolution alone, at the shapes it sees in the step (ms, ours and PyTorch)."""
    import nn
    from nn import functional as F
    shapes, hooks = [], []
    convs = [(name, m) for name, m in model.named_modules() if isinstance(m, nn.Conv2d)]
    for name, m in convs:                      # record each conv's input shape with one forward pass
        orig = m.forward

        def fwd(inp, _orig=orig, _name=name):
            shapes.append((_name, inp.shape))
            return _orig(inp)
        object.__setattr__(m, "forward", fwd)
        hooks.append((m, orig))
    with nn.no_grad():
        model(nn.Tensor(x))
    for m, orig in hooks:
        object.__setattr__(m, "forward", orig)
    mods = dict(convs)
    rows = []
    rng = np.random.default_rng(1)
    for name, shape in shapes:
        m = mods[name]
        xi = nn.Tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=True)

        def ours():
            y = F.conv2d(xi, m.weight, m.bias, stride=m.stride, padding=m.padding)
            y.backward(np.ones(y.shape, np.float32))
        row = {"conv": name, "input": list(shape), "weight": list(m.weight.shape),
               "ours_ms": 1e3 * median_time(ours, args.repeat)}
        if torch is not None:
            tx = torch.tensor(xi.data, requires_grad=True)
            tw = torch.tensor(m.weight.data, requires_grad=True)

            def theirs():
                y = torch.nn.functional.conv2d(tx, tw, None, m.stride, m.padding)
                y.backward(torch.ones_like(y))
            row["torch_ms"] = 1e3 * median_time(theirs, args.repeat)
        rows.append(row)
    print("\n  per convolution, forward + backward alone (ms):")
    print(f"  {'conv':<28}{'input':>20}{'weight':>20}{'ours':>9}{'PyTorch':>9}")
    for r in rows:
        print(f"  {r['conv']:<28}{str(tuple(r['input'])):>20}{str(tuple(r['weight'])):>20}{r['ours_ms']:>9.2f}"
              f"{r.get('torch_ms', float('nan')):>9.2f}")
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeat", type=int, default=10)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--layers", type=int, default=2, choices=(2, 3))
    p.add_argument("--stem", default="7x7", choices=("7x7", "3x3"))
    p.add_argument("--breakdown", action="store_true", help="also time every convolution alone")
    p.add_argument("--out", default="bench_out", help="folder for resnet.json (default bench_out/)")
    args = p.parse_args(argv)
    res = bench(args)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "resnet.json"), "w") as f:
        json.dump(res, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
