import type { Metadata, Viewport } from "next";
import localFont from "next/font/local";
import Link from "next/link";
import type { ReactNode } from "react";
import { Nav } from "@/components/Nav";
import { TradingModeBadge } from "@/components/TradingMode";
import { getConfig } from "@/lib/config";
import "./globals.css";

// A local font only: the build and the pages never reach a font service.
const mono = localFont({
  src: "./fonts/acinaces-mono.woff2",
  weight: "400",
  style: "normal",
  display: "swap",
  variable: "--font-mono",
  fallback: ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
});

export const metadata: Metadata = {
  title: { default: "Acinaces Trading", template: "%s · Acinaces Trading" },
  description: "AI-assisted crypto trading: strategies, risk limits and the audit trail.",
  applicationName: "Acinaces Trading",
  icons: {
    icon: [
      { url: "/favicon.ico", sizes: "32x32" },
      { url: "/logo.svg", type: "image/svg+xml" },
    ],
  },
  manifest: "/manifest.webmanifest",
  robots: { index: false, follow: false },
};

export const viewport: Viewport = {
  themeColor: "#0f172a",
  colorScheme: "dark",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  const { apiUrl, flags } = getConfig();
  return (
    <html lang="en" className={mono.variable}>
      <body>
        <header className="header">
          <Link className="brand" href="/">
            {/* eslint-disable-next-line @next/next/no-img-element */}
            <img src="/logo.svg" alt="" width={28} height={28} />
            <span>Acinaces Trading</span>
          </Link>
          <Nav />
          <TradingModeBadge flags={flags} />
        </header>
        <main className="main">{children}</main>
        <footer className="footer">
          <span>API: {apiUrl ? <code>{apiUrl}</code> : <em>not configured</em>}</span>
        </footer>
      </body>
    </html>
  );
}
