"""The later cards' demos conclude from their numbers: every branch, driven by made-up records."""

from __future__ import annotations

from dataclasses import replace

from bot.demos.course_conclusions import (
    BackpressureMeasurement,
    BlockingMeasurement,
    QueueRun,
    StartMethodRun,
    StartMethodsMeasurement,
    StripedMeasurement,
    StripedRun,
    backpressure_conclusion,
    blocking_conclusion,
    start_methods_conclusion,
    striped_conclusion,
)

# --- blocking ------------------------------------------------------------------------------------

BLOCKING = BlockingMeasurement(
    block_s=0.2,
    tick_s=0.01,
    tickers=3,
    idle_lag_s=0.002,
    blocking_lag_s=0.198,
    thread_lag_s=0.003,
)


def test_blocking_expected_result_names_both_lags():
    text = blocking_conclusion(BLOCKING)
    assert "the other 3 tasks (each waiting on a 10 ms timer) ran up to 198 ms late" in text
    assert "the loop has one thread, and the sleeping task held it" in text
    assert "the worst lag was 3.0 ms (with nothing blocking: 2.0 ms)" in text
    assert "broken" not in text and "busy" not in text


def test_blocking_lag_smaller_than_the_block_is_called_broken():
    text = blocking_conclusion(replace(BLOCKING, blocking_lag_s=0.02))
    assert "at most 20 ms late, less than the sleep itself" in text
    assert "treat this run as broken" in text
    assert "held it" not in text


def test_blocking_to_thread_still_late_on_a_busy_host_says_the_host_was_busy():
    text = blocking_conclusion(replace(BLOCKING, thread_lag_s=0.15, idle_lag_s=0.12))
    assert "still up to 150 ms late" in text and "120 ms late even with nothing blocking" in text
    assert "the host was probably busy" in text
    assert "kept its thread" not in text


def test_blocking_to_thread_late_on_a_quiet_host_is_reported_as_unusual():
    text = blocking_conclusion(replace(BLOCKING, thread_lag_s=0.15))
    assert "still up to 150 ms late (with nothing blocking: 2.0 ms), not the usual result" in text
    assert "could explain it" in text


# --- startmethods --------------------------------------------------------------------------------

METHODS = StartMethodsMeasurement(
    runs=(
        StartMethodRun("fork", True, 0.002, 3),
        StartMethodRun("spawn", False, 0.060, 3),
        StartMethodRun("forkserver", False, 0.003, 3),
    ),
    processes=3,
)


def test_start_methods_expected_result():
    text = start_methods_conclusion(METHODS)
    assert "The fork child saw the item the parent appended at run time" in text
    assert "The spawn child saw only the list the module defines" in text
    assert "forked from a server process that imported the module" in text
    assert "2.0 ms with fork and 60 ms with spawn (30× as long)" in text
    assert "Forkserver took 3.0 ms" in text
    assert "broken" not in text and "smaller gap" not in text


def test_start_methods_each_surprise_is_called_out():
    runs = (
        StartMethodRun("fork", False, 0.002),
        StartMethodRun("spawn", True, 0.060),
        StartMethodRun("forkserver", None, 0.003),
    )
    text = start_methods_conclusion(replace(METHODS, runs=runs))
    assert "The fork child did not see the item" in text
    assert "The spawn child saw the parent's run-time item" in text
    assert text.count("treat this run as broken") == 2
    assert "The forkserver child did not report what it saw." in text


def test_start_methods_small_gap_is_hedged_and_forkserver_left_out_when_not_faster():
    runs = (
        StartMethodRun("fork", True, 0.040),
        StartMethodRun("spawn", False, 0.060),
        StartMethodRun("forkserver", False, 0.050),
    )
    text = start_methods_conclusion(replace(METHODS, runs=runs))
    assert "(1.5× as long), a smaller gap than usual" in text and "could explain it" in text
    assert "Forkserver took" not in text


def test_start_methods_spawn_not_slower_is_not_called_a_smaller_gap():
    runs = (StartMethodRun("fork", True, 0.050), StartMethodRun("spawn", False, 0.040))
    text = start_methods_conclusion(replace(METHODS, runs=runs))
    assert "(0.8× as long): spawn was not slower this time" in text
    assert "smaller gap" not in text and "cannot say why" in text


def test_start_methods_without_spawn_reports_what_it_has():
    text = start_methods_conclusion(replace(METHODS, runs=METHODS.runs[:1]))
    assert "The fork child saw the item" in text and "with spawn" not in text


# --- backpressure --------------------------------------------------------------------------------

BOUNDED = QueueRun(maxsize=8, producer_s=0.29, consumer_s=0.31, peak=8, blocked_s=0.27)
UNBOUNDED = QueueRun(maxsize=0, producer_s=0.0003, consumer_s=0.31, peak=100, blocked_s=0.0001)
QUEUES = BackpressureMeasurement(items=100, work_s=0.003, bounded=BOUNDED, unbounded=UNBOUNDED)


def test_backpressure_expected_result():
    text = backpressure_conclusion(QUEUES)
    assert "the producer spent 270 ms of its 290 ms waiting inside put()" in text
    assert "never held more than 8 items" in text
    assert "the producer finished in 0.3 ms and left up to 100 items waiting" in text


def test_backpressure_consumer_kept_up_says_the_bound_was_rarely_reached():
    bounded = replace(BOUNDED, blocked_s=0.01, peak=3)
    unbounded = replace(UNBOUNDED, peak=4)
    text = backpressure_conclusion(replace(QUEUES, bounded=bounded, unbounded=unbounded))
    assert "the consumer kept up this time, so the bound was rarely reached" in text
    assert "never held more than 4 items" in text and "made no difference" in text


def test_backpressure_overfull_bounded_queue_is_called_broken():
    text = backpressure_conclusion(replace(QUEUES, bounded=replace(BOUNDED, peak=9)))
    assert "was seen holding 9 items" in text and "broken" in text


# --- striped -------------------------------------------------------------------------------------

STRIPED = StripedMeasurement(
    cores=4,
    gil_enabled=True,
    stripes=16,
    runs=(
        StripedRun(1, 1_000_000, 950_000),
        StripedRun(2, 800_000, 900_000),
        StripedRun(4, 700_000, 850_000),
    ),
)


def test_striped_with_the_gil_names_the_gil_as_the_line():
    text = striped_conclusion(STRIPED)
    assert "from 1 to 4 threads multiplied the increments per second by 0.7× with one lock" in text
    assert "by 0.8× with 16 striped locks" in text
    assert "the GIL, not the counters' lock, was the line they waited in" in text


def test_striped_scaling_uses_the_faster_single_thread_run_as_the_baseline():
    runs = (StripedRun(1, 1_000_000, 400_000), StripedRun(2, 900_000, 900_000))
    one, striped = replace(STRIPED, runs=runs).scaling()
    assert (one, striped) == (0.9, 0.9)  # not 2.25× for striped from its own slow single run


def test_striped_speed_up_under_the_gil_is_not_claimed_as_parallelism():
    runs = (StripedRun(1, 1_000_000, 1_000_000), StripedRun(4, 900_000, 1_600_000))
    text = striped_conclusion(replace(STRIPED, runs=runs))
    assert "although the Global Interpreter Lock (GIL) is enabled" in text
    assert "cannot say why" in text and "most likely" not in text
    assert "run the demo again" in text


def test_striped_free_threaded_stripes_scale_and_one_lock_does_not():
    runs = (StripedRun(1, 1_000_000, 1_000_000), StripedRun(4, 600_000, 3_200_000))
    text = striped_conclusion(replace(STRIPED, gil_enabled=False, runs=runs))
    assert "by 0.6× with one lock and by 3.2× with 16 striped locks" in text
    assert "free-threaded build the threads really ran side by side" in text
    assert "queued for the same lock" in text


def test_striped_free_threaded_both_scale():
    runs = (StripedRun(1, 1_000_000, 1_000_000), StripedRun(4, 3_000_000, 3_100_000))
    text = striped_conclusion(replace(STRIPED, gil_enabled=False, runs=runs))
    assert "both versions ran side by side" in text


def test_striped_free_threaded_one_lock_below_the_bar_is_not_said_to_run_side_by_side():
    runs = (StripedRun(1, 1_000_000, 1_000_000), StripedRun(4, 1_300_000, 1_500_000))
    text = striped_conclusion(replace(STRIPED, gil_enabled=False, runs=runs))
    assert "by 1.3× with one lock and by 1.5× with 16 striped locks" in text
    assert "both versions ran side by side" not in text


def test_striped_free_threaded_on_one_core_took_turns():
    runs = (StripedRun(1, 1_000_000, 1_000_000), StripedRun(2, 950_000, 990_000))
    text = striped_conclusion(replace(STRIPED, gil_enabled=False, cores=1, runs=runs))
    assert "single CPU core, so the threads took turns" in text


def test_striped_free_threaded_no_speed_up_on_several_cores_hedges_the_cause():
    runs = (StripedRun(1, 1_000_000, 1_000_000), StripedRun(4, 950_000, 990_000))
    text = striped_conclusion(replace(STRIPED, gil_enabled=False, runs=runs))
    assert "neither version sped up" in text and "may have had no free core" in text
