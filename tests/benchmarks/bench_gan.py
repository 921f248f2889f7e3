"""GAN benchmarks; prints `name: value` lines.

    python tests/benchmarks/bench_gan.py [--seed S] [--bare-steps N]

- gan_quality_*: issue 4's quality bar. A LeNet judge is trained on digits with the classifier
  defaults, then a GAN with the default GanConfig; every epoch 1000 samples are labelled by the
  judge. The bar: mean max-probability >= 0.9 and every class >= 5% of the samples, within 300 s
  of GAN training on 2 CPU cores. Reports the final scores, the first epoch that passes and the
  seconds to it.
- gan_bare_steps_per_s: a bare PyTorch loop with the default models, batch, loss and EMA (no
  events, no store, no scores): the baseline of the GUI throughput ratio.
- gan_job_steps_per_s: steps/s of the headless train_gan job over its GanSteps events.
"""

from __future__ import annotations

import argparse
import copy
import tempfile
import time
from collections.abc import Iterator

import torch
import torch.nn.functional as F

from deepscope.core.classifier.config import TrainConfig
from deepscope.core.classifier.trainer import train
from deepscope.core.data.digits import load_digits
from deepscope.core.gan.config import GanConfig
from deepscope.core.gan.events import GanEpochEnd, GanSteps
from deepscope.core.gan.trainer import train_gan
from deepscope.core.models.gan import build_gan
from deepscope.core.models.gan_spec import GanSpec
from deepscope.core.runs.store import RunStore

BUDGET_S = 300.0
MIN_MEAN_MAX_PROB = 0.9
MIN_CLASS_FRACTION = 0.05


def report(name: str, value: float) -> None:
    print(f"{name}: {value:.4g}" if isinstance(value, float) else f"{name}: {value}", flush=True)


def passes(end: GanEpochEnd) -> bool:
    s = end.scores
    return s.mean_max_prob >= MIN_MEAN_MAX_PROB and s.class_histogram.min() >= MIN_CLASS_FRACTION


def quality(seed: int) -> None:
    store = RunStore(tempfile.mkdtemp(prefix="bench-gan-"))
    start = time.perf_counter()
    judge = [e for e in train(TrainConfig(seed=seed), store) if e is not None][-1]
    report("gan_quality_judge_test_acc", judge.test_acc)
    report("gan_quality_judge_seconds", time.perf_counter() - start)
    config = GanConfig(seed=seed, classifier=judge.run_dir)
    first, ends, rates = None, [], []
    for event in train_gan(config, store):
        if isinstance(event, GanSteps):
            rates.append((len(event.step), event.steps_per_s))
        if isinstance(event, GanEpochEnd):
            ends.append(event)
            s = event.scores
            print(f"  epoch {event.epoch:3d}  {event.seconds:6.1f} s  mean max-prob "
                  f"{s.mean_max_prob:.3f}  min class {s.class_histogram.min():.3f}  IS "
                  f"{s.inception_score:.2f}  FD {s.frechet_distance:.1f}  diversity "
                  f"{event.diversity:.2f}", flush=True)
            if first is None and passes(event):
                first = event
    last = ends[-1]
    report("gan_quality_model", config.model)
    report("gan_quality_mean_max_prob", last.scores.mean_max_prob)
    report("gan_quality_classes_covered", last.scores.classes_covered)
    report("gan_quality_min_class_fraction", float(last.scores.class_histogram.min()))
    report("gan_quality_inception_score", last.scores.inception_score)
    report("gan_quality_seconds", last.seconds)
    report("gan_quality_epochs", last.epoch)
    report("gan_quality_first_pass_epoch", first.epoch if first else "never")
    report("gan_quality_first_pass_seconds", first.seconds if first else "never")
    report("gan_quality_pass", int(passes(last) and last.seconds <= BUDGET_S))
    steps = sum(n for n, _ in rates)
    report("gan_job_steps_per_s", sum(n * r for n, r in rates) / steps)


def bare_steps_per_s(steps: int, seed: int) -> float:
    """The default models, batch, losses (ns, real label 0.9) and EMA in a plain loop."""
    *_, rate = bare_loop(steps, seed)
    return rate


def bare_loop(steps: int, seed: int) -> Iterator[float | None]:
    """bare_steps_per_s as a job: yields None after each step (the compute thread's tuner times
    them), then the steps/s."""
    c = GanConfig()
    ds = load_digits(28)
    x_all, y_all = ds.images.float() / 127.5 - 1, ds.labels
    torch.manual_seed(seed)
    g, d = build_gan(GanSpec(c.model, c.latent_dim, 1, 28, 10, c.width))
    ema = copy.deepcopy(g).requires_grad_(False)
    opt_d = torch.optim.Adam(d.parameters(), c.d_lr, betas=(c.d_beta1, c.d_beta2))
    opt_g = torch.optim.Adam(g.parameters(), c.g_lr, betas=(c.g_beta1, c.g_beta2))

    def step() -> None:
        idx = torch.randint(len(x_all), (c.batch_size,))
        x, y = x_all[idx], y_all[idx]
        fake = g(torch.randn(c.batch_size, c.latent_dim), y)
        real_out, fake_out = d(x, y), d(fake.detach(), y)
        d_loss = (F.binary_cross_entropy_with_logits(real_out, torch.full_like(real_out, 0.9))
                  + F.softplus(fake_out).mean())
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        d.requires_grad_(False)
        g_loss = F.softplus(-d(fake, y)).mean()
        d.requires_grad_(True)
        opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        opt_g.step()
        with torch.no_grad():
            torch._foreach_lerp_(list(ema.parameters()), list(g.parameters()), 1 - c.ema_decay)

    for _ in range(5):  # warm-up
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
        yield None
    yield steps / (time.perf_counter() - start)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--bare-steps", type=int, default=300)
    args = p.parse_args()
    report("torch_threads", torch.get_num_threads())
    report("gan_bare_steps_per_s", bare_steps_per_s(args.bare_steps, args.seed))
    quality(args.seed)


if __name__ == "__main__":
    main()
