// A typed client for Backline's API: openapi-fetch over the types generated
// from the OpenAPI document (src/generated/schema.ts). Paths, parameters,
// bodies and answers are checked by TypeScript; nothing is generated at run time.
//
//   const api = createBacklineClient({ baseUrl: "http://localhost:3000", token: process.env.BACKLINE_TOKEN });
//   const { data, error, response } = await api.POST("/api/reports", { body: { type: "sales-summary" } });
import createClient, { type Client, type ClientOptions } from "openapi-fetch";
import type { components, operations, paths } from "./generated/schema.ts";

export type { components, operations, paths };
export type BacklineClient = Client<paths>;

export interface BacklineClientOptions extends Omit<ClientOptions, "baseUrl"> {
  /** Where Backline is, e.g. http://localhost:3000. */
  baseUrl: string;
  /** A personal API token (bkl_…), sent as `Authorization: Bearer`. Without one, pass a session cookie in `headers`. */
  token?: string;
}

export function createBacklineClient({ baseUrl, token, headers, ...options }: BacklineClientOptions): BacklineClient {
  return createClient<paths>({
    baseUrl,
    ...options,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(headers as Record<string, string> | undefined) },
  });
}

/** The shapes the API answers with, by name (components.schemas). */
export type Schemas = components["schemas"];
