// The admin console's sections, on each of its pages (the current one marked for assistive technology too).
import Link from "next/link";

const SECTIONS = [
  { href: "/admin", label: "Find" },
  { href: "/admin/failures", label: "Failures" },
  { href: "/admin/stuck", label: "Stuck" },
  { href: "/admin/audit", label: "Audit log" },
  { href: "/admin/users", label: "Users" },
] as const;

export type AdminSection = (typeof SECTIONS)[number]["href"];

export function AdminNav({ current }: { current: AdminSection }) {
  return (
    <nav aria-label="Admin console" className="admin-nav">
      <ul>
        {SECTIONS.map((s) => (
          <li key={s.href}>
            <Link href={s.href} aria-current={s.href === current ? "page" : undefined}>
              {s.label}
            </Link>
          </li>
        ))}
        <li>
          {/* Not a Next page: a full navigation to Bull Board. */}
          <a href="/admin/queues">Queues</a>
        </li>
      </ul>
    </nav>
  );
}
