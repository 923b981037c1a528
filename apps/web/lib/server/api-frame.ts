// The frame every signed-in API route shares: who asks (401 otherwise), and
// what an unexpected failure answers (failures.ts: 503 for an outage, else 500
// with a request id); plus how a refused command is answered.
import "server-only";
import type { FieldIssue } from "@backline/config";
import type { Actor } from "@backline/report-service";
import { failureResponse } from "./failures";
import { jsonError } from "./http";
import { apiActor } from "./session";

export async function withActor(request: Request, handle: (actor: Actor) => Promise<Response>): Promise<Response> {
  try {
    const who = await apiActor(request);
    return "response" in who ? who.response : await handle(who.actor);
  } catch (err) {
    return failureResponse(err, request);
  }
}

/** Admin-only routes: to anyone else they don't exist (404, as for a path nobody serves). */
export function withAdmin(request: Request, handle: (actor: Actor) => Promise<Response>): Promise<Response> {
  return withActor(request, (actor) => (actor.admin ? handle(actor) : Promise.resolve(jsonError(404, "Not found"))));
}

/** A refused command as JSON, with Retry-After when it says when to come back. */
export function refused(result: { status: number; error: string; issues?: FieldIssue[]; retryAfterSeconds?: number }): Response {
  return jsonError(result.status, result.error, result.issues, result.retryAfterSeconds ? { "Retry-After": String(result.retryAfterSeconds) } : undefined);
}
