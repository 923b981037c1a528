// The typed API client's types, generated from the OpenAPI document with
// openapi-typescript into packages/api-client/src/generated/schema.ts.
// `npm run -w @backline/web api:client` writes them; test/openapi.int.test.ts
// fails when the committed file is not what this makes.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import openapiTS, { astToString } from "openapi-typescript";
import { openApiDocument } from "../lib/api/openapi.ts";

export const CLIENT_TYPES_FILE = path.join(import.meta.dirname, "../../../packages/api-client/src/generated/schema.ts");

const HEADER = `// Generated from Backline's OpenAPI document (apps/web/lib/api/openapi.ts) by openapi-typescript.
// Do not edit: run \`npm run -w @backline/web api:client\` after changing the API.
`;

export async function generateClientTypes(): Promise<string> {
  const ast = await openapiTS(openApiDocument() as unknown as Parameters<typeof openapiTS>[0], { alphabetize: true });
  return HEADER + astToString(ast);
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  await writeFile(CLIENT_TYPES_FILE, await generateClientTypes());
  console.log(`wrote ${path.relative(process.cwd(), CLIENT_TYPES_FILE)}`);
}
