"use client";
// The customer picker: type a name or an id, pick from the suggestions (asked of
// /api/customers as you type). The value is the customer's id; a demo dataset
// can hold 100,000 customers, so the page never carries them all.
import { useEffect, useState } from "react";

interface Props {
  id: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  invalid: boolean;
  describedBy?: string;
}

export function CustomerField({ id, name, value, onChange, invalid, describedBy }: Props) {
  const [suggestions, setSuggestions] = useState<{ id: number; name: string }[]>([]);
  useEffect(() => {
    const controller = new AbortController();
    const timer = setTimeout(() => {
      fetch(`/api/customers?${new URLSearchParams({ q: value })}`, { signal: controller.signal })
        .then((r) => (r.ok ? r.json() : { items: [] }))
        .then((body: { items: { id: number; name: string }[] }) => setSuggestions(body.items))
        .catch(() => {});
    }, 200);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [value]);
  const chosen = suggestions.find((c) => String(c.id) === value);
  return (
    <>
      <input
        id={id}
        name={name}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        list={`${id}-suggestions`}
        autoComplete="off"
        spellCheck={false}
        placeholder="A name or an id"
        aria-invalid={invalid || undefined}
        aria-describedby={[describedBy, `${id}-chosen`].filter(Boolean).join(" ")}
      />
      <datalist id={`${id}-suggestions`}>
        {suggestions.map((c) => (
          <option key={c.id} value={String(c.id)}>
            {c.name}
          </option>
        ))}
      </datalist>
      <span className="help" id={`${id}-chosen`} aria-live="polite">
        {chosen ? `${chosen.name} (#${chosen.id})` : "Type a name or an id, then pick a customer."}
      </span>
    </>
  );
}
