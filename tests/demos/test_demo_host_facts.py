"""The host facts the gil demo records to explain its result: the cgroup's CPU cap, real cores."""

from __future__ import annotations

from pathlib import Path

from bot.demos.harness import cpu_quota, physical_cores


def cgroup_tree(tmp_path: Path, own: str, files: dict[str, str]) -> tuple[Path, Path]:
    root = tmp_path / "cgroup"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (tmp_path / "self").write_text(own)
    return root, tmp_path / "self"


def test_a_cgroup_v2_cap_up_the_tree_counts_the_tightest(tmp_path):
    root, own = cgroup_tree(
        tmp_path,
        "0::/bot/demo\n",
        {"bot/demo/cpu.max": "max 100000\n", "bot/cpu.max": "150000 100000\n"},
    )
    assert cpu_quota(root, own) == 1.5


def test_a_cgroup_v1_quota_is_read_and_minus_one_means_no_cap(tmp_path):
    capped = {"cpu,cpuacct/app/cpu.cfs_quota_us": "50000\n"}
    capped["cpu,cpuacct/app/cpu.cfs_period_us"] = "100000\n"
    root, own = cgroup_tree(tmp_path, "4:memory:/x\n1:cpu,cpuacct:/app\n", capped)
    assert cpu_quota(root, own) == 0.5
    (root / "cpu,cpuacct/app/cpu.cfs_quota_us").write_text("-1\n")
    assert cpu_quota(root, own) is None


def test_no_cgroup_files_means_no_known_cap(tmp_path):
    assert cpu_quota(tmp_path / "nothing", tmp_path / "missing") is None
    root, own = cgroup_tree(tmp_path, "0::/\n", {"cpu.max": "max 100000\n"})
    assert cpu_quota(root, own) is None


def test_smt_siblings_count_as_one_physical_core(tmp_path):
    # 4 CPUs: two cores with two hardware threads each
    for cpu, core in enumerate((0, 0, 1, 1)):
        topology = tmp_path / f"cpu{cpu}" / "topology"
        topology.mkdir(parents=True)
        (topology / "physical_package_id").write_text("0\n")
        (topology / "core_id").write_text(f"{core}\n")
    assert physical_cores({0, 1, 2, 3}, tmp_path) == 2
    assert physical_cores({0, 1}, tmp_path) == 1
    assert physical_cores({0, 7}, tmp_path) is None  # CPU 7's topology is unknown
