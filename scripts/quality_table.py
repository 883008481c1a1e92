#!/usr/bin/env python3
"""quality_table.py: the results table of one dataset from its trial log.

    scripts/quality_table.py results/quality/DATASET.jsonl [--all]

Each line of the log is one trial written by `embrec sasrec --log`,
`embrec eval --log` or `embrec eval-cf --log`. The table keeps, for each
model label, the latest trial that has test figures (with --all, every
trial in order, with its validation figures); for `sasrec`, which reads
test at the end of every trial, the trial with the best validation NDCG@10. Columns: test HR@5, NDCG@5,
HR@10 with its 95% bootstrap interval over users, NDCG@10, training
seconds, passes over the training samples, commit. Rows of `eval --log`
for other tasks and templates follow in a second table.
"""
import json
import sys

PAPER = {  # the paper's Embed-S2 and the SASRec it quotes, HR@10 (its tables 1-2)
    "Beauty": (0.0794, 0.0605), "LastFM": (0.0615, 0.0688), "ML1M": (0.1786, 0.1810),
}


def fmt(v):
    return "-" if v is None else "%.4f" % v


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    path, show_all = sys.argv[1], "--all" in sys.argv[2:]
    trials = [json.loads(l) for l in open(path) if l.strip()]
    if not trials:
        sys.exit("%s: no trials" % path)
    if show_all:
        print("| time | model | commit | valid HR@10 | valid NDCG@10 | test HR@10 | test NDCG@10 | train s | passes |")
        print("|---|---|---|---|---|---|---|---|---|")
        for t in trials:
            v, s = t.get("valid") or {}, t.get("test") or {}
            print("| %s | %s | %s | %s | %s | %s | %s | %.0f | %.2f |" % (
                t["time"], t["model"], t["commit"][:7], fmt(v.get("hr10")), fmt(v.get("ndcg10")),
                fmt(s.get("hr10")), fmt(s.get("ndcg10")), t.get("wall_s", 0), t.get("passes", 0)))
        return
    latest = {}
    for t in trials:
        if not t.get("test"):
            continue
        # `embrec sasrec` reads test at the end of every trial, so its row is
        # the trial with the best validation NDCG@10, not the latest one.
        if t["model"] == "sasrec" and t["model"] in latest:
            best = (latest["sasrec"].get("valid") or {}).get("ndcg10", 0)
            if (t.get("valid") or {}).get("ndcg10", 0) <= best:
                continue
        latest[t["model"]] = t
    ds = trials[-1]["dataset"]
    print("%s, test split, sequential task, seen template 0 (OpenP5 protocol; -excl: training items excluded)\n" % ds)
    print("| model | HR@5 | NDCG@5 | HR@10 [95% CI] | NDCG@10 | users | train s | passes | commit |")
    print("|---|---|---|---|---|---|---|---|---|")
    for m, t in latest.items():
        s, ci = t["test"], t.get("test_hr10_ci95") or [0, 0]
        print("| %s | %s | %s | %s [%.4f, %.4f] | %s | %d | %.0f | %.2f | %s |" % (
            m, fmt(s["hr5"]), fmt(s["ndcg5"]), fmt(s["hr10"]), ci[0], ci[1], fmt(s["ndcg10"]),
            s.get("users", 0), t.get("wall_s", 0), t.get("passes", 0), t["commit"][:7]))
        if t["model"] == "sasrec" and t.get("test_excluded"):
            x = t["test_excluded"]
            print("| sasrec-excl | %s | %s | %s | %s | %d | | | |" % (
                fmt(x["hr5"]), fmt(x["ndcg5"]), fmt(x["hr10"]), fmt(x["ndcg10"]), x.get("users", 0)))
    if ds in PAPER:
        print("| paper Embed-S2 (quoted) | | | %.4f | | | | | |" % PAPER[ds][0])
        print("| paper SASRec, BCE (quoted) | | | %.4f | | | | | |" % PAPER[ds][1])
    other = []
    for m, t in latest.items():
        for r in (t.get("extra") or {}).get("rows") or []:
            if r["Split"] == "test" and not (r["Task"] == "sequential" and r["Template"] == "seen:0"):
                other.append((m, r))
    if other:
        print("\nOther tasks and templates (test split)\n")
        print("| model | task | template | excl | HR@5 | NDCG@5 | HR@10 [95% CI] | NDCG@10 |")
        print("|---|---|---|---|---|---|---|---|")
        for m, r in other:
            print("| %s | %s | %s | %s | %.4f | %.4f | %.4f [%.4f, %.4f] | %.4f |" % (
                m, r["Task"], r["Template"], "yes" if r["Exclude"] else "no", r["HR5"], r["NDCG5"],
                r["HR10"], r["HR10CI"][0], r["HR10CI"][1], r["NDCG10"]))


if __name__ == "__main__":
    main()
