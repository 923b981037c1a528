// @vitest-environment jsdom
// The status page's stream hook against a scripted EventSource: a stream the
// server ends (lifetime, final) is left to the browser's own reconnect (which
// sends Last-Event-ID); a reconnect the server refuses (401 after sign-out,
// 429/503 over a cap) falls back to polling, which tries live updates again
// later; a 401 while polling reloads the page (which then asks to sign in).
import { createElement } from "react";
import { act } from "react";
import { createRoot, type Root } from "react-dom/client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useReportStream } from "../components/use-report-stream.ts";
import type { ReportView } from "../lib/report-status.ts";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

class FakeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static instances: FakeEventSource[] = [];
  readyState = FakeEventSource.CONNECTING;
  private listeners = new Map<string, ((e: { data?: string }) => void)[]>();
  constructor(readonly url: string) {
    FakeEventSource.instances.push(this);
  }
  addEventListener(type: string, listener: (e: { data?: string }) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  close() {
    this.readyState = FakeEventSource.CLOSED;
  }
  emit(type: string, data?: unknown) {
    if (type === "open") this.readyState = FakeEventSource.OPEN;
    for (const l of this.listeners.get(type) ?? []) l({ data: data === undefined ? undefined : JSON.stringify(data) });
  }
}

const report: ReportView = {
  id: "0190a0a0-0000-7000-8000-000000000000",
  type: "sales-summary",
  title: "Sales summary",
  params: {},
  scheduleId: null,
  occurrence: null,
  status: "generating",
  progress: 10,
  stage: "Querying data",
  failureReason: null,
  attempts: 1,
  pageCount: null,
  createdAt: "2026-02-01T10:00:00.000Z",
  updatedAt: "2026-02-01T10:00:01.000Z",
  startedAt: "2026-02-01T10:00:00.500Z",
  finishedAt: null,
};

let root: Root;
let state: ReturnType<typeof useReportStream>;
let fetchMock: ReturnType<typeof vi.fn>;
let reload: ReturnType<typeof vi.fn>;

function Probe() {
  state = useReportStream(report, []);
  return null;
}

beforeEach(async () => {
  vi.useFakeTimers();
  FakeEventSource.instances = [];
  vi.stubGlobal("EventSource", FakeEventSource);
  fetchMock = vi.fn(async () => new Response(JSON.stringify({ ...report, progress: 50, updatedAt: "2026-02-01T10:00:05.000Z", events: [] }), { status: 200 }));
  vi.stubGlobal("fetch", fetchMock);
  reload = vi.fn();
  Object.defineProperty(window, "location", { configurable: true, value: { ...window.location, reload } });
  root = createRoot(document.createElement("div"));
  await act(async () => root.render(createElement(Probe)));
});

afterEach(async () => {
  await act(async () => root.unmount());
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

const source = () => FakeEventSource.instances.at(-1)!;

describe("useReportStream", () => {
  it("leaves a stream the server ended to the browser's reconnect: no new EventSource, state re-read from the new snapshot", async () => {
    expect(FakeEventSource.instances).toHaveLength(1);
    await act(async () => source().emit("open"));
    expect(state.connection).toBe("live");
    // The server closed the stream (lifetime): the browser reports an error and reconnects by itself (CONNECTING).
    await act(async () => source().emit("error"));
    expect(state.connection).toBe("reconnecting");
    await act(async () => source().emit("open"));
    await act(async () => source().emit("snapshot", { ...report, progress: 70, updatedAt: "2026-02-01T10:00:09.000Z" }));
    expect(state.connection).toBe("live");
    expect(state.report.progress).toBe(70);
    // Lifetime after lifetime, it never falls back to polling: each snapshot resets the failure count.
    for (let i = 0; i < 5; i++) {
      await act(async () => source().emit("error"));
      await act(async () => source().emit("snapshot", { ...report, progress: 70 + i, updatedAt: `2026-02-01T10:01:0${i}.000Z` }));
    }
    expect(state.connection).toBe("live");
    expect(FakeEventSource.instances).toHaveLength(1);
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("falls back to polling when the server refuses the stream (CLOSED: 401, 429, 503), then tries live again", async () => {
    await act(async () => {
      source().readyState = FakeEventSource.CLOSED;
      source().emit("error");
    });
    expect(state.connection).toBe("polling");
    await act(async () => vi.advanceTimersByTimeAsync(2100));
    expect(fetchMock).toHaveBeenCalledWith(`/api/reports/${report.id}?sinceEvent=0`, { cache: "no-store" });
    expect(state.report.progress).toBe(50);
    expect(FakeEventSource.instances).toHaveLength(1);
    await act(async () => vi.advanceTimersByTimeAsync(60_000));
    expect(FakeEventSource.instances).toHaveLength(2); // live updates again
    await act(async () => source().emit("open"));
    expect(state.connection).toBe("live");
  });

  it("reloads the page (to the sign-in page) when polling finds the session gone", async () => {
    fetchMock.mockImplementation(async () => new Response(JSON.stringify({ error: "Sign in first" }), { status: 401 }));
    await act(async () => {
      source().readyState = FakeEventSource.CLOSED;
      source().emit("error");
    });
    await act(async () => vi.advanceTimersByTimeAsync(2100));
    expect(reload).toHaveBeenCalledTimes(1);
  });
});
