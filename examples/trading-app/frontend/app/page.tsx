import type { Metadata } from "next";
import { DashboardView } from "./DashboardView";

// The root layout's title template does not apply to its own segment: spell the title out.
export const metadata: Metadata = { title: { absolute: "Dashboard · Acinaces Trading" } };

export default function DashboardPage() {
  return <DashboardView />;
}
