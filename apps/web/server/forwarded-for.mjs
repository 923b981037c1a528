// Who is on the other end of the socket, written where the app reads it.
// Plain JavaScript (no build step): server.mjs imports it before Next loads,
// and the tests import it too.
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseEnv } from "node:util";

/**
 * Rewrites X-Forwarded-For from the TCP connection, before Next sees the
 * request. With no trusted proxy (hops 0) the header becomes the peer's
 * address alone: whatever the client sent is dropped, so it can't choose the
 * address its limits and its downloads are counted under. Behind N trusted
 * proxies the peer (the nearest proxy) is appended, as a proxy would append
 * it; clientIp() in lib/server/client-ip.ts then takes the entry N + 1 from
 * the right (what the outermost trusted proxy wrote).
 *
 * @param {import("node:http").IncomingMessage} req
 * @param {number} hops TRUSTED_PROXY_HOPS
 */
export function stampForwardedFor(req, hops) {
  const peer = req.socket.remoteAddress ?? "";
  if (hops === 0) {
    req.headers["x-forwarded-for"] = peer;
    return;
  }
  const sent = req.headers["x-forwarded-for"];
  const chain = (Array.isArray(sent) ? sent.join(", ") : (sent ?? "")).trim();
  req.headers["x-forwarded-for"] = chain ? `${chain}, ${peer}` : peer;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,100}$/;

/**
 * Gives the request an id (X-Request-Id) that every log line about it carries,
 * and answers with it: one a trusted proxy already made (hops > 0), else a new
 * one — a client can't choose the id its request is logged under.
 *
 * @param {import("node:http").IncomingMessage} req
 * @param {import("node:http").ServerResponse} res
 * @param {number} hops TRUSTED_PROXY_HOPS
 */
export function stampRequestId(req, res, hops) {
  const given = req.headers["x-request-id"];
  const id = hops > 0 && typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
  req.headers["x-request-id"] = id;
  res.setHeader("X-Request-Id", id);
}

/**
 * TRUSTED_PROXY_HOPS as the app reads it (@backline/config): the environment
 * first, else the repository's .env (the nearest folder up holding turbo.json);
 * 0 when neither sets it. Throws a one-line reason for a bad value.
 *
 * @param {Record<string, string | undefined>} env
 * @param {string} cwd
 * @returns {number}
 */
export function trustedProxyHops(env = process.env, cwd = process.cwd()) {
  const raw = readSetting("TRUSTED_PROXY_HOPS", env, cwd);
  if (raw === undefined || raw.trim() === "") return 0;
  const hops = Number(raw);
  if (!Number.isInteger(hops) || hops < 0 || hops > 10)
    throw new Error(`Invalid environment — TRUSTED_PROXY_HOPS: must be a whole number from 0 to 10 (it is "${raw}")`);
  return hops;
}

/**
 * A setting as @backline/config reads it, before any of it is loaded: the
 * environment first, else the repository's .env (the nearest folder up holding
 * turbo.json); undefined when neither sets it.
 *
 * @param {string} name
 * @param {Record<string, string | undefined>} env
 * @param {string} cwd
 * @returns {string | undefined}
 */
export function readSetting(name, env = process.env, cwd = process.cwd()) {
  if (env[name] !== undefined) return env[name];
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "turbo.json"))) {
      const file = path.join(dir, ".env");
      return existsSync(file) ? parseEnv(readFileSync(file, "utf8"))[name] : undefined;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}
