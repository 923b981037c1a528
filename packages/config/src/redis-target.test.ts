import { describe, expect, it } from "vitest";
import { parseEnv, redactUrl, redisEnv } from "./index.ts";
import { clusterRedisUrl, hashTagOf, parseClusterRedisUrl, parseRedisNode, withHashTag } from "./redis-target.ts";

describe("REDIS_CLUSTER_NODES", () => {
  it("is unset by default: one Redis at REDIS_URL, the prefix as it is", () => {
    expect(parseEnv(redisEnv, {})).toMatchObject({ REDIS_URL: "redis://127.0.0.1:6379", REDIS_CLUSTER_NODES: [], QUEUE_PREFIX: "backline" });
  });

  it("replaces REDIS_URL's host with the seed nodes, keeping its scheme and credentials, and gives the prefix a hash tag", () => {
    const env = parseEnv(redisEnv, {
      REDIS_URL: "rediss://app:p%40ss@ignored.example:6380/2",
      REDIS_CLUSTER_NODES: " 10.0.0.1:7000, redis-b.internal:7001,[fd00::3]:7002 ",
    });
    expect(env.REDIS_URL).toBe("rediss://app:p%40ss@10.0.0.1:7000,redis-b.internal:7001,[fd00::3]:7002");
    expect(env.QUEUE_PREFIX).toBe("{backline}");
    expect(parseClusterRedisUrl(env.REDIS_URL)).toEqual({
      nodes: [
        { host: "10.0.0.1", port: 7000 },
        { host: "redis-b.internal", port: 7001 },
        { host: "fd00::3", port: 7002 },
      ],
      username: "app",
      password: "p@ss",
      tls: true,
    });
    expect(redactUrl(env.REDIS_URL)).toBe("rediss://app:***@10.0.0.1:7000,redis-b.internal:7001,[fd00::3]:7002");
  });

  it("keeps a prefix that has a hash tag, wraps one that has none (an empty {} is none)", () => {
    const nodes = { REDIS_CLUSTER_NODES: "127.0.0.1:7000" };
    expect(parseEnv(redisEnv, { ...nodes, QUEUE_PREFIX: "{bl}:staging" }).QUEUE_PREFIX).toBe("{bl}:staging");
    expect(parseEnv(redisEnv, { ...nodes, QUEUE_PREFIX: "staging:{bl}" }).QUEUE_PREFIX).toBe("staging:{bl}");
    expect(parseEnv(redisEnv, { ...nodes, QUEUE_PREFIX: "bl{}" }).QUEUE_PREFIX).toBe("{bl{}}");
    expect(hashTagOf("{bl{}}:reports:wait")).toBe("bl{");
    expect(withHashTag("backline")).toBe("{backline}");
  });

  it("takes a cluster address as REDIS_URL too (what one process hands another), and only then", () => {
    const address = clusterRedisUrl("redis://:pw@x:1", [
      { host: "127.0.0.1", port: 7000 },
      { host: "127.0.0.1", port: 7001 },
    ]);
    expect(address).toBe("redis://:pw@127.0.0.1:7000,127.0.0.1:7001");
    expect(parseEnv(redisEnv, { REDIS_URL: address })).toMatchObject({ REDIS_URL: address, QUEUE_PREFIX: "{backline}" });
    expect(parseClusterRedisUrl("redis://:pw@127.0.0.1:6379")).toBeNull();
    expect(() => parseEnv(redisEnv, { REDIS_URL: "redis://a:1,b" })).toThrow(/REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
  });

  it("refuses anything but host:port pairs, naming the setting", () => {
    for (const bad of ["10.0.0.1", "10.0.0.1:7000,:7001", "redis://10.0.0.1:7000", "10.0.0.1:99999", "a b:1"]) {
      expect(() => parseEnv(redisEnv, { REDIS_CLUSTER_NODES: bad })).toThrow(/REDIS_CLUSTER_NODES: must be host:port pairs separated by commas/);
    }
    expect(parseRedisNode("[::1]:7000")).toEqual({ host: "::1", port: 7000 });
  });
});
