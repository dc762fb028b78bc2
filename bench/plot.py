"""Throughput and latency per variant, from the suite's results.json.

python plot.py results.json benchmarks.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {"kit": "#1f77b4", "raw-ct": "#7f7f7f", "raw": "#bcbcbc", "python": "#ff7f0e",
          "sqlx": "#2ca02c", "connect": "#d62728", "kit-rds": "#17becf",
          "plain": "#7f7f7f", "first": "#1f77b4", "repeat": "#9467bd"}


def panel(ax, comparisons, field, title, log=False):
    """Grouped bars: one group per comparison, one bar per variant."""
    labels, seen = [], set()
    for c in comparisons:
        for v in c["variants"]:
            if v["key"] not in seen:
                seen.add(v["key"])
                labels.append((v["key"], v["label"]))
    width = 0.8 / len(labels)
    for i, (key, label) in enumerate(labels):
        xs, ys, lows, highs = [], [], [], []
        for g, c in enumerate(comparisons):
            for v in c["variants"]:
                if v["key"] == key:
                    s = v["stats"]
                    xs.append(g + (i - (len(labels) - 1) / 2) * width)
                    if field == "latency":
                        ys.append(s["median_us"])
                        lows.append(s["median_us"] - s["min_us"])
                        highs.append(s["p99_us"] - s["median_us"])
                    else:
                        ys.append(s["per_second"])
        bars = ax.bar(xs, ys, width, label=label, color=COLORS.get(key))
        if field == "latency":
            ax.errorbar(xs, ys, yerr=[lows, highs], fmt="none", ecolor="black", capsize=2, linewidth=0.8)
        tops = [y + h for y, h in zip(ys, highs)] if field == "latency" else ys
        for x, y, top in zip(xs, ys, tops):
            ax.annotate(f"{y:,.0f}", (x, top), ha="center", va="bottom", fontsize=6, rotation=90,
                        xytext=(0, 2), textcoords="offset points")
        del bars
    ax.set_xticks(range(len(comparisons)))
    ax.set_xticklabels([c["title"].replace(": warm invocations", "").replace("rds_lookup, ", "")
                        .replace("charge (idempotency), ", "")
                        .replace("sqs batch, ", "sqs batch,\n") for c in comparisons], fontsize=8)
    ax.set_title(title, fontsize=10)
    if log:
        ax.set_yscale("log")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.07), ncol=2, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    ax.margins(y=0.25)


def main():
    results = json.load(open(sys.argv[1]))
    # The SQS batches next to hello and echo: the same kind of comparison.
    overhead = results["overhead"] + results.get("batch", [])
    idempotency = results.get("idempotency", {}).get("comparisons", [])
    rows = 3 if idempotency else 2
    fig, axes = plt.subplots(rows, 2, figsize=(14, 5.25 * rows))
    panel(axes[0][0], overhead, "throughput", "Warm invocations per second (higher is better)")
    panel(axes[0][1], overhead, "latency", "Warm latency, µs: median, whiskers min..p99 (lower is better)")
    panel(axes[1][0], results["database"], "throughput", "Database lookups per second (log scale)", log=True)
    panel(axes[1][1], results["database"], "latency", "Database lookup latency, µs (log scale)", log=True)
    if idempotency:
        panel(axes[2][0], idempotency, "throughput", "Charges per second, without and with idempotency")
        panel(axes[2][1], idempotency, "latency", "Charge latency, µs, without and with idempotency")
    m = results["machine"]
    fig.suptitle(f"lambda-kit benchmark suite, {m['started']}: {m['cpu']}, {m['cores']} cores", fontsize=11)
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)


if __name__ == "__main__":
    main()
