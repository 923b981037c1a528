"use server";
// Sign-out as a server action, so the header's button is a plain form that
// works without JavaScript. Next checks a server action's Origin itself.
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { auth } from "@/lib/server/auth";

export async function signOut() {
  // Deletes the session row; the nextCookies plugin clears the cookie on this response.
  await auth().api.signOut({ headers: await headers() });
  redirect("/sign-in");
}
