"""Benchmark of the mapping engine: microseconds per evaluation as the rule set grows.

Rule sets of 100, 1,000 and 10,000 rules; each sign-in asserts 100 attributes of 10 values.
Rules test ``--rule-attributes`` of those attributes (default 10: real rule sets look at a few
attributes such as memberOf or department, not at all of them); 45% contains, 35% equals,
15% starts_with, 5% regex conditions, plus a few regex-only rules that no index can skip.
Every sign-in is planted with values that make a handful of rules match in full.

Each evaluation gets freshly built SignInFacts (nothing cached from an earlier sign-in);
building them is timed separately (``facts_build``) and together with the evaluation
(``signin``: what a real sign-in pays for the mapping, from the asserted attributes to the
decision). ``mean_matched`` is how many rules match in full per sign-in (by the reference
loop): planted ones plus those random values happen to satisfy.
Run: ``python bench/bench_mapping.py [--out result.json]``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# The path above makes the repository importable when this runs as a plain script.
from mapping import (
    AccountFacts,
    Condition,
    Rule,
    RuleSet,
    SignInFacts,
    UserState,
    compile_rules,
    evaluate_reference,
)

ASSERTED_ATTRIBUTES = 100
VALUES_PER_ATTRIBUTE = 10
VOCABULARY = 20_000
REGEX_ONLY_RULES = 5
PLANTED_RULES = 5
CATEGORIES = (
    "license",
    "addon:webinar",
    "addon:large_meeting",
    "addon:whiteboard",
    "user_group",
    "im_group",
    "contact_group",
    "role",
    "recording_location",
)
RESULTS: dict[str, str | bool] = {
    "license": "Licensed",
    "role": "Member",
    "recording_location": "EU",
}


def asserted_value(n: int) -> str:
    """A group DN the way IdPs assert memberOf."""
    return f"cn=grp-{n:05d},ou=groups,dc=acme"


def make_condition(rng: random.Random, attribute: str, n: int, operator: str) -> Condition:
    """A condition whose first value matches ``asserted_value(n)``, plus 0-2 random values."""
    others = [rng.randrange(VOCABULARY) for _ in range(rng.randint(0, 2))]
    forms: dict[str, Callable[[int], str]] = {
        "contains": lambda k: f"grp-{k:05d}",
        "equals": asserted_value,
        "starts_with": lambda k: f"cn=grp-{k:05d}"[:-1],
        "regex": lambda k: rf"cn=grp-{k:05d}"[:-1] + r"\d,ou=.*",
    }
    form = forms[operator]
    return Condition(attribute, tuple(form(k) for k in [n, *others]), operator)  # type: ignore[arg-type]


def make_rules(rng: random.Random, size: int, rule_attributes: int) -> list[tuple[Rule, int]]:
    """``size`` rules, each with the vocabulary number its conditions are built around."""
    rules = []
    operators = ["contains"] * 45 + ["equals"] * 35 + ["starts_with"] * 15 + ["regex"] * 5
    for i in range(size):
        n = rng.randrange(VOCABULARY)
        count = rng.randint(1, 2)
        picked = [rng.choice(operators) for _ in range(count)]
        if i < REGEX_ONLY_RULES:
            picked = ["regex"]
        elif picked[0] == "regex":
            picked[0] = "contains"
        conditions = tuple(
            make_condition(rng, f"a{rng.randrange(rule_attributes)}", n, op) for op in picked
        )
        category = rng.choice(CATEGORIES)
        result = RESULTS.get(category, f"group-{i}" if "group" in category else True)
        rules.append((Rule(category, conditions, result, f"rule {i + 1}"), n))
    return rules


def make_sign_ins(
    rng: random.Random, rules: list[tuple[Rule, int]], count: int
) -> list[dict[str, list[str]]]:
    """Sign-ins of 100 attributes x 10 values, each planted to match a few rules in full."""
    sign_ins = []
    for _ in range(count):
        attributes = {
            f"a{a}": [
                asserted_value(rng.randrange(VOCABULARY)) for _ in range(VALUES_PER_ATTRIBUTE)
            ]
            for a in range(ASSERTED_ATTRIBUTES)
        }
        for rule, n in rng.sample(rules, PLANTED_RULES):
            for condition in rule.conditions:
                values = attributes[condition.attribute]
                values[rng.randrange(VALUES_PER_ATTRIBUTE)] = asserted_value(n)
        sign_ins.append(attributes)
    return sign_ins


def measure(evaluations: int, sign_ins: list[dict[str, list[str]]], run: Any) -> list[float]:
    """Microseconds per call of ``run(facts)``, each call on freshly built facts."""
    samples = []
    for i in range(evaluations):
        facts = SignInFacts.of(sign_ins[i % len(sign_ins)])
        start = time.perf_counter_ns()
        run(facts)
        samples.append((time.perf_counter_ns() - start) / 1000)
    return samples


def summary(samples: list[float]) -> dict[str, float]:
    """Median, p10 and p90 in microseconds."""
    ordered = sorted(samples)
    return {
        "median_us": round(statistics.median(ordered), 1),
        "p10_us": round(ordered[int(len(ordered) * 0.1)], 1),
        "p90_us": round(ordered[int(len(ordered) * 0.9) - 1], 1),
    }


def mean_matched(
    ruleset: RuleSet, sign_ins: list[dict[str, list[str]]], user: UserState, account: AccountFacts
) -> float:
    """Rules matching in full per sign-in, counted by the fully traced reference loop."""
    counts = [
        sum(
            t.matched
            for t in evaluate_reference(ruleset, SignInFacts.of(s), user, account).trace.rules
        )
        for s in sign_ins
    ]
    return round(statistics.mean(counts), 1)


def bench_size(size: int, args: argparse.Namespace) -> dict[str, Any]:
    """All measurements for one rule-set size."""
    rng = random.Random(args.seed + size)  # noqa: S311  # benchmark data, not secrets
    generated = make_rules(rng, size, args.rule_attributes)
    ruleset = RuleSet(tuple(rule for rule, _ in generated), version=1)
    sign_ins = make_sign_ins(rng, generated, 200)
    user = UserState(exists=True, license_type="Basic", addons=frozenset({"webinar"}))
    account = AccountFacts()
    start = time.perf_counter()
    compiled = compile_rules(ruleset)
    compile_ms = (time.perf_counter() - start) * 1000
    signin: list[float] = []
    for i in range(args.evaluations):
        attributes = sign_ins[i % len(sign_ins)]
        start_ns = time.perf_counter_ns()
        compiled.evaluate(SignInFacts.of(attributes), user, account)
        signin.append((time.perf_counter_ns() - start_ns) / 1000)
    facts_build: list[float] = []
    for i in range(args.evaluations):
        start_ns = time.perf_counter_ns()
        SignInFacts.of(sign_ins[i % len(sign_ins)])
        facts_build.append((time.perf_counter_ns() - start_ns) / 1000)
    result: dict[str, Any] = {
        "rules": size,
        "compile_ms": round(compile_ms, 1),
        "compiled": summary(
            measure(args.evaluations, sign_ins, lambda f: compiled.evaluate(f, user, account))
        ),
        "reference": summary(
            measure(
                max(20, args.evaluations * 100 // size // 10),
                sign_ins,
                lambda f: evaluate_reference(ruleset, f, user, account),
            )
        ),
        "facts_build": summary(facts_build),
        "signin": summary(signin),
        "mean_matched": mean_matched(ruleset, sign_ins[:20], user, account),
        "mean_candidates": round(
            statistics.mean(len(compiled.candidates(SignInFacts.of(s))) for s in sign_ins[:100]),
            1,
        ),
    }
    return result


def main() -> None:
    """Run the benchmark, print a Markdown table and optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--evaluations", type=int, default=2000)
    parser.add_argument("--rule-attributes", type=int, default=10)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rows = [bench_size(int(size), args) for size in args.sizes.split(",")]
    print(
        f"rules test {args.rule_attributes} of {ASSERTED_ATTRIBUTES} asserted attributes "
        f"({VALUES_PER_ATTRIBUTE} values each); {args.evaluations} compiled evaluations\n"
    )
    print(
        "| rules | compiled median µs | compiled p90 µs | reference median µs "
        "| facts build median µs | facts + compiled median µs | p90 µs | candidates "
        "| matched | compile ms |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['rules']:,} | {row['compiled']['median_us']} | {row['compiled']['p90_us']} "
            f"| {row['reference']['median_us']} | {row['facts_build']['median_us']} "
            f"| {row['signin']['median_us']} | {row['signin']['p90_us']} "
            f"| {row['mean_candidates']} | {row['mean_matched']} | {row['compile_ms']} |"
        )
    if args.out:
        payload = {"parameters": vars(args) | {"out": str(args.out)}, "results": rows}
        args.out.write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
