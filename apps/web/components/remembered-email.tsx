"use client";
// An email field that starts with the address last used on this device.
import { useEffect, useRef } from "react";

export const EMAIL_KEY = "backline:last-email";

export function RememberedEmail({ id, defaultValue }: { id: string; defaultValue: string }) {
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (input.current && !input.current.value) input.current.value = localStorage.getItem(EMAIL_KEY) ?? "";
  }, []);
  return <input ref={input} id={id} name="email" type="email" autoComplete="email" required placeholder="you@example.com" defaultValue={defaultValue} />;
}
