import type { IncomingMessage } from "node:http";

export function stampForwardedFor(req: IncomingMessage, hops: number): void;
export function trustedProxyHops(env?: Record<string, string | undefined>, cwd?: string): number;
