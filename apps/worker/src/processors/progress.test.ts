import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { throttleProgress, type ProgressWrite } from "./progress.ts";

describe("throttleProgress", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("writes every 10 % step as a milestone, throttles the rest, and flushes the last value", async () => {
    const writes: ProgressWrite[] = [];
    const progress = throttleProgress(async (p) => void writes.push(p), 250);
    for (let page = 1; page <= 40; page++) progress.report({ percent: page * 2, stage: `Rendering page ${page} of 40` });
    await progress.flush();
    // 0.. 80 %: deciles 0..8 are milestones; nothing else passed the 250 ms throttle.
    expect(writes.filter((w) => w.milestone).map((w) => w.percent)).toEqual([2, 10, 20, 30, 40, 50, 60, 70, 80]);
    expect(writes.at(-1)).toEqual({ percent: 80, stage: "Rendering page 40 of 40", milestone: true });
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

  it("sends a pending value on flush", async () => {
    const writes: ProgressWrite[] = [];
    const progress = throttleProgress(async (p) => void writes.push(p), 10_000);
    progress.report({ percent: 1, stage: "a" });
    progress.report({ percent: 5, stage: "b" });
    await progress.flush();
    expect(writes.map((w) => [w.percent, w.milestone])).toEqual([
      [1, true],
      [5, false],
    ]);
  });
});
