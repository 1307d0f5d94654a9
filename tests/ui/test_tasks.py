"""The background helper under stress: saves cancelled while their workers still report."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

DRIVER = textwrap.dedent("""
    import random, sys, time
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from gleaner.ui.tasks import TaskRunner

    app = QApplication([])
    runner = TaskRunner()
    rng = random.Random(int(sys.argv[1]))
    rounds, delivered = [0], []

    def work(progress):
        while True:  # a download that keeps reporting until it is cancelled
            progress.report("Downloading", None)
            time.sleep(0.001)

    def batch():
        if rounds[0] == 40:
            app.quit()
            return
        rounds[0] += 1
        for _ in range(5):
            runner.start("x", work, on_finished=delivered.append, on_failed=delivered.append,
                         on_progress=lambda m, f: None,
                         on_cancelled=lambda: delivered.append("cancelled"))
        QTimer.singleShot(rng.randint(0, 40), runner.cancel_all)
        QTimer.singleShot(60, batch)

    QTimer.singleShot(0, batch)
    app.exec()
    print(rounds[0], delivered.count("cancelled"), len(runner.running), flush=True)
    # Leave while workers may still be reporting, as a user closing the window would.
""")


def test_cancelling_busy_workers_repeatedly_is_safe():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", DRIVER, "7"], capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-2000:]  # a crash here was a segfault (-11)
    rounds, cancelled, running = map(int, done.stdout.split())
    assert rounds == 40
    assert cancelled == 200  # every task reported cancelled exactly once
    assert running == 0
