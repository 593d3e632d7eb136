import type { Metadata } from "next";
import { RiskProfileView } from "./RiskProfileView";

export const metadata: Metadata = { title: "Risk profile" };

export default function RiskProfilePage() {
  return <RiskProfileView />;
}
