"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

export const NAV_ITEMS = [
  { href: "/", label: "Dashboard" },
  { href: "/strategies", label: "Strategies" },
  { href: "/risk-profile", label: "Risk profile" },
  { href: "/audit", label: "Audit log" },
] as const;

/** "/strategies", "/strategies.html" and "/strategies/" all mark the Strategies link. */
export function isActive(pathname: string | null, href: string): boolean {
  const path = (pathname ?? "/").replace(/\.html$/, "").replace(/\/+$/, "") || "/";
  return href === "/" ? path === "/" || path === "/index" : path === href || path.startsWith(`${href}/`);
}

export function Nav() {
  const pathname = usePathname();
  return (
    <nav className="nav" aria-label="Main">
      <ul>
        {NAV_ITEMS.map((item) => {
          const active = isActive(pathname, item.href);
          return (
            <li key={item.href}>
              <Link href={item.href} aria-current={active ? "page" : undefined} className={active ? "active" : undefined}>
                {item.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
