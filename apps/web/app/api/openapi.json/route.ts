// GET /api/openapi.json — the API's OpenAPI 3.1 document (lib/api/openapi.ts), public.
import { openApiDocument } from "@/lib/api/openapi";

let cached: string | undefined;

export function GET() {
  cached ??= JSON.stringify(openApiDocument());
  return new Response(cached, { headers: { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "public, max-age=300" } });
}
