import type { IncomingMessage, ServerResponse } from "node:http";

export function stampForwardedFor(req: IncomingMessage, hops: number): void;
export function trustedProxyHops(env?: Record<string, string | undefined>, cwd?: string): number;
export function stampRequestId(req: IncomingMessage, res: ServerResponse, hops: number): void;
export function readSetting(name: string, env?: Record<string, string | undefined>, cwd?: string): string | undefined;
