"""Texts read over two processes give exactly what one process gives, whatever goes wrong."""

from __future__ import annotations

import os
import threading

import pytest

from bot import forked
from bot.knowledge import load_knowledge
from bot.matcher import Matcher
from tests.support import REPO


def squares_and_pids(numbers):
    return [(n * n, os.getpid()) for n in numbers]


def test_the_second_half_is_worked_in_a_child_and_comes_back_in_order(monkeypatch):
    monkeypatch.setattr(forked, "MIN_ITEMS", 0)
    first, second = forked.in_two_halves(squares_and_pids, list(range(10)))
    assert [square for square, _ in first + second] == [n * n for n in range(10)]
    assert {pid for _, pid in first} == {os.getpid()}
    assert {pid for _, pid in second} != {os.getpid()}  # worked in the child


def test_a_child_that_fails_costs_only_the_time(monkeypatch):
    monkeypatch.setattr(forked, "MIN_ITEMS", 0)
    parent = os.getpid()

    def fails_in_the_child(numbers):
        if os.getpid() != parent:
            raise RuntimeError("broken child")
        return [n + 1 for n in numbers]

    assert forked.in_two_halves(fails_in_the_child, [1, 2, 3, 4]) == [[2, 3], [4, 5]]


def test_no_fork_while_another_thread_runs(monkeypatch):
    monkeypatch.setattr(forked, "MIN_ITEMS", 0)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        [both] = forked.in_two_halves(squares_and_pids, [1, 2, 3])
    finally:
        stop.set()
        other.join()
    assert [square for square, _ in both] == [1, 4, 9]
    assert {pid for _, pid in both} == {os.getpid()}


@pytest.mark.slow  # builds the real knowledge base twice, three languages each
def test_a_build_read_over_two_processes_equals_one_read_in_one(monkeypatch):
    knowledge = load_knowledge(REPO / "knowledge.yaml")
    alone = {code: m.state() for code, m in Matcher(knowledge).by_language.items()}
    monkeypatch.setattr(forked, "MIN_ITEMS", 0)
    split = {code: m.state() for code, m in Matcher(knowledge).by_language.items()}
    assert split == alone


def test_a_failure_on_this_side_ends_the_child_and_is_raised(monkeypatch):
    monkeypatch.setattr(forked, "MIN_ITEMS", 0)
    parent = os.getpid()

    def fails_here(numbers):
        if os.getpid() == parent:
            raise RuntimeError("broken here")
        return [b"x" * 1_000_000]  # more than a pipe holds: the child blocks until read

    with pytest.raises(RuntimeError, match="broken here"):
        forked.in_two_halves(fails_here, [1, 2])
