import type { Metadata } from "next";
import { StrategiesView } from "./StrategiesView";

export const metadata: Metadata = { title: "Strategies" };

export default function StrategiesPage() {
  return <StrategiesView />;
}
