import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { throttleProgress, type ProgressWrite } from "./progress.ts";

describe("throttleProgress", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("writes the first value at once, then at most once per interval, marking 10 % steps as milestones", async () => {
    const writes: ProgressWrite[] = [];
    const progress = throttleProgress(async (p) => void writes.push(p), 250);
    for (let page = 1; page <= 40; page++) {
      progress.report({ percent: page * 2, stage: `Rendering page ${page} of 40` });
      vi.advanceTimersByTime(50); // 50 ms a page: one write every 5 pages
    }
    await progress.flush();
    expect(writes.map((w) => w.percent)).toEqual([2, 12, 22, 32, 42, 52, 62, 72, 80]);
    expect(writes.every((w) => w.milestone)).toBe(true); // each write crossed a 10 % step
    expect(writes.at(-1)).toMatchObject({ percent: 80, stage: "Rendering page 40 of 40" });
  });

  it("a fast report costs one write, plus the last value on flush", async () => {
    const writes: ProgressWrite[] = [];
    const progress = throttleProgress(async (p) => void writes.push(p), 250);
    for (const percent of [1, 20, 40, 60, 80, 99]) progress.report({ percent, stage: "x" });
    await progress.flush();
    expect(writes.map((w) => [w.percent, w.milestone])).toEqual([
      [1, true],
      [99, true],
    ]);
  });

  it("does not call a write a milestone when it stayed within the same 10 % step", async () => {
    const writes: ProgressWrite[] = [];
    const progress = throttleProgress(async (p) => void writes.push(p), 10);
    progress.report({ percent: 11, stage: "a" });
    vi.advanceTimersByTime(20);
    progress.report({ percent: 15, stage: "b" });
    await progress.flush();
    expect(writes.map((w) => w.milestone)).toEqual([true, false]);
  });

  it("turns a failed write into an error from flush, not an unhandled rejection", async () => {
    let calls = 0;
    const progress = throttleProgress(async () => {
      calls += 1;
      throw new Error("connection terminated");
    }, 0);
    progress.report({ percent: 10, stage: "a" });
    progress.report({ percent: 20, stage: "b" });
    await expect(progress.flush()).rejects.toThrow("connection terminated");
    expect(calls).toBe(1); // nothing more is written after the first failure
  });

  it("writes in order even when writes are slow", async () => {
    vi.useRealTimers();
    const order: number[] = [];
    const progress = throttleProgress(async (p) => {
      await new Promise((r) => setTimeout(r, 5 - (p.percent % 5)));
      order.push(p.percent);
    }, 0);
    for (const percent of [10, 11, 20, 21, 30]) progress.report({ percent, stage: "x" });
    await progress.flush();
    expect(order).toEqual([10, 11, 20, 21, 30]);
  });
});
