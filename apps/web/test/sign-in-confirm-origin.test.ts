// The sign-in confirmation's POST and the admin API are state changes: the
// proxy in front of every route refuses them without this site's Origin, so a
// forged cross-site form can neither sign someone in as another account
// (login CSRF) nor invite or remove anyone.
import { NextRequest } from "next/server";
import { beforeAll, describe, expect, it } from "vitest";

const APP_URL = "https://backline.example";
let proxy: (request: NextRequest) => Response;
beforeAll(async () => {
  process.env.APP_URL = APP_URL;
  ({ proxy } = await import("../proxy.ts"));
});

const post = (path: string, origin?: string) => new NextRequest(new URL(path, APP_URL), { method: "POST", headers: origin ? { origin } : {} });

describe("Origin check on the new POSTs", () => {
  for (const path of [
    "/sign-in/verify",
    "/api/admin/users/invitations",
    "/api/admin/users/invitations/cancel",
    "/api/admin/users/0190a0a0-0000-7000-8000-000000000000/remove",
  ]) {
    it(`refuses ${path} from another origin or none, and passes our own`, () => {
      for (const origin of [undefined, "https://evil.example", "http://backline.example"]) expect(proxy(post(path, origin)).status).toBe(403);
      expect(proxy(post(path, APP_URL)).status).toBe(200);
    });
  }
});
